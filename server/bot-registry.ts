/**
 * Makes sure every bot defined in bots/ can be called: a bot without a stored API token gets one,
 * shown once at start (only its hash is kept). DEMO_BOT_TOKEN sets the demo bot's token.
 */
import type { BotDefinition } from './bot/definition.js';
import { hashBotToken, issueBotToken } from './credentials/bot-token.js';
import type { Clock } from './clock.js';
import { findBot, saveBot, type Db } from './store/index.js';

export const DEMO_BOT_ID = 'demo';

/** Returns the tokens issued now, by bot id, for the start banner. */
export async function ensureBotTokens(
  db: Db,
  bots: ReadonlyMap<string, BotDefinition>,
  options: { demoBotToken?: string; clock: Clock },
): Promise<Map<string, string>> {
  const issued = new Map<string, string>();
  for (const botId of bots.keys()) {
    const chosen = botId === DEMO_BOT_ID ? options.demoBotToken : undefined;
    if (chosen !== undefined) {
      await saveBot(db, { id: botId, tokenHash: hashBotToken(chosen), now: options.clock.now() });
    } else if (!(await findBot(db, botId))) {
      const token = issueBotToken();
      await saveBot(db, { id: botId, tokenHash: hashBotToken(token), now: options.clock.now() });
      issued.set(botId, token);
    }
  }
  return issued;
}
