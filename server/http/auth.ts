/**
 * The spec's security schemes: `bearerAuth` (Authorization: Bearer) and `legacyAccessToken`
 * (the `access_token` query parameter) both carry the bot's API token.
 */
import { botTokenMatches } from '../credentials/bot-token.js';
import { Problem } from '../problem.js';
import { findBot, type Db } from '../store/index.js';
import type { RouteOperation } from './router.js';

export async function authenticate(
  db: Db,
  operation: RouteOperation,
  request: { params: Record<string, string>; headers: Record<string, string | string[] | undefined>; query: Record<string, unknown> },
): Promise<void> {
  if (operation.security.length === 0) return;
  const botId = request.params.botId;
  const bot = botId === undefined ? undefined : await findBot(db, botId);
  if (!bot) throw Problem.notFound(`No bot '${botId}'.`);
  const token = presentedToken(operation, request);
  if (token === undefined) {
    throw Problem.unauthorized(
      operation.security.includes('bearerAuth') ? 'Send the bot API token as `Authorization: Bearer <token>`.' : 'Send the bot API token as the access_token query parameter.',
    );
  }
  if (!botTokenMatches(token, bot.tokenHash)) throw Problem.unauthorized(`The token does not match bot '${botId}'.`);
}

function presentedToken(operation: RouteOperation, request: { headers: Record<string, string | string[] | undefined>; query: Record<string, unknown> }): string | undefined {
  if (operation.security.includes('bearerAuth')) {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (match) return match[1];
  }
  if (operation.security.includes('legacyAccessToken')) {
    const token = request.query.access_token;
    if (typeof token === 'string' && token !== '') return token;
  }
  return undefined;
}
