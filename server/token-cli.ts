/**
 * `npm run token -- <botId>`: issues a new API token for a bot and prints it once; the old token
 * stops working. Uses the same DATABASE_URL as the server (it may be running).
 */
import { hashBotToken, issueBotToken } from './credentials/bot-token.js';
import { ConfigError, loadConfig } from './config.js';
import { findBot, openDatabase, saveBot } from './store/index.js';

const botId = process.argv[2];
if (!botId) {
  console.error('usage: npm run token -- <botId>');
  process.exit(2);
}
try {
  const config = loadConfig();
  const database = await openDatabase(config.databaseUrl);
  if (!(await findBot(database.db, botId))) {
    console.error(`no bot '${botId}' in ${config.databaseUrl}: start the server once with bots/${botId}.yaml first`);
    process.exit(1);
  }
  const token = issueBotToken();
  await saveBot(database.db, { id: botId, tokenHash: hashBotToken(token), now: Date.now() });
  await database.close();
  // The warning goes to stderr, so that `TOKEN=$(npm run -s token -- demo)` still captures the token alone.
  console.error(`Issued a new API token for bot '${botId}'. The previous token no longer works: update every client that used it (and DEMO_BOT_TOKEN, if you set it).`);
  console.log(token);
} catch (error) {
  console.error(error instanceof ConfigError ? `configuration error: ${error.message}` : error);
  process.exit(1);
}
