/**
 * Who may call an operation. The spec's security schemes `bearerAuth` (Authorization: Bearer)
 * and `legacyAccessToken` (the `access_token` query parameter) carry the bot's API token; the
 * legacy send carries the channel's verify token in its body.
 *
 * An unknown bot, a missing credential and a wrong one all get the same 401 (the same detail,
 * the same work), so that nothing tells an unauthenticated caller which bots exist. The bot is
 * the path's `botId`, or the bot of the path's `channelId` (the platform's per-channel message
 * URL), an unknown channel being an unknown bot.
 */
import { randomBytes } from 'node:crypto';
import { botTokenMatches, hashBotToken } from '../credentials/bot-token.js';
import { verifyTokenMatches } from '../credentials/verify-token.js';
import { Problem } from '../problem.js';
import { findBot, findChannel, findChannelById, type Db } from '../store/index.js';
import type { RouteOperation } from './router.js';

// Compared against when the bot does not exist, so that an unknown bot costs the same as a known one.
const NO_BOT_TOKEN_HASH = hashBotToken(randomBytes(32).toString('hex'));

/** Operations whose credential travels in the body, and where in it. */
const BODY_CREDENTIALS: Record<string, (body: any) => unknown> = {
  legacySendMessage: (body) => body?.verifyToken,
};

/** Whether the operation is authenticated by its body (after it was read and validated). */
export function hasBodyCredential(operationId: string): boolean {
  return operationId in BODY_CREDENTIALS;
}

/** Checks the bot API token of an operation secured by the spec; throws a 401 problem. */
export async function authenticate(
  db: Db,
  operation: RouteOperation,
  request: { params: Record<string, string>; headers: Record<string, string | string[] | undefined>; query: Record<string, unknown> },
): Promise<{ botId: string } | undefined> {
  if (operation.security.length === 0) return undefined;
  const botId = await botIdOf(db, request.params);
  const bot = botId === undefined ? undefined : await findBot(db, botId);
  const token = presentedToken(operation, request);
  const matches = botTokenMatches(token ?? '', bot?.tokenHash ?? NO_BOT_TOKEN_HASH);
  if (!bot || token === undefined || !matches) {
    throw Problem.unauthorized(
      operation.security.includes('bearerAuth')
        ? "Send the bot's API token as `Authorization: Bearer <token>`: it is missing, or it does not match."
        : "Send the bot's API token as the access_token query parameter: it is missing, or it does not match.",
    );
  }
  return { botId: bot.id };
}

async function botIdOf(db: Db, params: Record<string, string>): Promise<string | undefined> {
  if (params.botId !== undefined || params.channelId === undefined) return params.botId;
  return (await findChannelById(db, params.channelId))?.botId;
}

/** Checks the credential in a validated body (the legacy verify token); throws a 401 problem. */
export async function authenticateBody(db: Db, operationId: string, botId: string, body: unknown): Promise<void> {
  const given = BODY_CREDENTIALS[operationId]?.(body);
  if (!verifyTokenMatches(given, await findChannel(db, botId))) {
    throw Problem.unauthorized('The verifyToken does not match the webhook channel of this bot.');
  }
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
