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
  console.log(token);
} catch (error) {
  console.error(error instanceof ConfigError ? `configuration error: ${error.message}` : error);
  process.exit(1);
}
