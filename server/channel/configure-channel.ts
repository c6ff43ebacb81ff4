import { hashVerifyToken } from '../credentials/verify-token.js';
import { Problem } from '../problem.js';
import { findChannel, rotateSecret, saveChannel, type ChannelRecord } from '../store/index.js';
import type { ChannelContext } from './context.js';
import { formatSigningSecret, readSigningSecret } from '../../contract/signing-secret.js';
import { generateSigningSecret, MAX_PREVIOUS_SECRETS } from './signing-secret.js';

/**
 * Saves the webhook configuration, but only once the URL passed the address rules and echoed the
 * hub.challenge: a channel is never `active` with a URL that does not answer. `handshake: false`
 * skips the challenge (receivers written for the platform implement only POST), never the
 * address rules. Deliveries held while it was missing or disabled resume.
 */
export async function configureChannel(
  ctx: ChannelContext,
  botId: string,
  input: { url: string; verifyToken?: string; handshake?: boolean; secret?: string },
): Promise<ChannelRecord> {
  requireBot(ctx, botId);
  const handshake = input.handshake !== false;
  // The spec says so too (WebhookChannelInput); checked here so that no caller can skip it.
  if (handshake && input.verifyToken === undefined) {
    throw Problem.validation([{ location: 'body.verifyToken', message: 'is required unless handshake is false' }]);
  }
  const ownSecret = input.secret === undefined ? undefined : canonicalSecret(input.secret);
  const verdict = await ctx.verifyWebhookUrl(input.url, handshake ? { verifyToken: input.verifyToken! } : false, botId);
  if (!verdict.ok) {
    throw verdict.refused ? Problem.webhookUrlRefused(input.url, verdict.reason) : Problem.webhookVerificationFailed(input.url, verdict.reason);
  }
  const channel = await saveChannel(ctx.database.db, {
    botId,
    url: input.url,
    verifyToken: input.verifyToken === undefined ? null : ctx.secrets.seal(input.verifyToken),
    verifyTokenHash: input.verifyToken === undefined ? null : hashVerifyToken(input.verifyToken),
    verified: handshake,
    newId: ctx.ids('chn'),
    newSecret: ctx.secrets.seal(ownSecret ?? generateSigningSecret()),
    now: ctx.clock.now(),
  });
  // An existing channel kept its secret: the one given replaces it as a rotation does.
  const configured = ownSecret === undefined || channel.secret === ownSecret ? channel : await rotateTo(ctx, botId, ownSecret);
  ctx.logger.info({ botId, status: configured.status, handshake, ownSecret: ownSecret !== undefined }, 'webhook channel configured');
  ctx.wakeDelivery();
  return configured;
}

/**
 * A secret the integrator gave (WebhookChannelInput.secret), in the form the server makes them
 * (`whsec_` and canonical base64), so that giving it again is seen as the same; 400 naming
 * `body.secret` when its key is not 24 to 64 bytes (the pattern bounds only its length).
 */
function canonicalSecret(secret: string): string {
  const reading = readSigningSecret(secret);
  if (reading.problem !== undefined) throw Problem.validation([{ location: 'body.secret', message: reading.problem }]);
  return formatSigningSecret(reading.bytes);
}

export async function getChannel(ctx: ChannelContext, botId: string): Promise<ChannelRecord> {
  requireBot(ctx, botId);
  const channel = await findChannel(ctx.database.db, botId);
  if (!channel) throw Problem.notFound(`No webhook channel is configured for bot '${botId}'.`);
  return channel;
}

/** The bot's configured channels: its webhook channel, or none (no 404: a client can ask before configuring). */
export async function listChannels(ctx: ChannelContext, botId: string): Promise<ChannelRecord[]> {
  requireBot(ctx, botId);
  const channel = await findChannel(ctx.database.db, botId);
  return channel ? [channel] : [];
}

/**
 * A new secret. The one it replaces keeps signing beside it for the grace period, and so do those
 * earlier rotations replaced, each until its own grace period ends. Refused (429) while
 * MAX_PREVIOUS_SECRETS replaced secrets still sign.
 */
export async function rotateSigningSecret(ctx: ChannelContext, botId: string): Promise<ChannelRecord> {
  // No read of the channel first: the rotation's own transaction answers whether there is one (404).
  requireBot(ctx, botId);
  return rotateTo(ctx, botId, generateSigningSecret());
}

/** Makes `secret` current; the replaced one signs on for the grace period (404, 429 as rotateSigningSecret). */
async function rotateTo(ctx: ChannelContext, botId: string, secret: string): Promise<ChannelRecord> {
  const now = ctx.clock.now();
  const result = await rotateSecret(ctx.database.db, {
    botId,
    secret: ctx.secrets.seal(secret),
    previousExpiresAt: now + ctx.config.secretGraceMs,
    now,
    maxPrevious: MAX_PREVIOUS_SECRETS,
  });
  if (result.outcome === 'no-channel') throw Problem.notFound(`No webhook channel is configured for bot '${botId}'.`);
  if (result.outcome === 'limit') throw Problem.tooManyRotations(MAX_PREVIOUS_SECRETS, Math.ceil((result.signingUntil - now) / 1000));
  ctx.logger.info({ botId, previousSigning: result.channel.previousSecrets.length }, 'webhook signing secret rotated');
  return result.channel;
}

export function requireBot(ctx: ChannelContext, botId: string): void {
  if (!ctx.bots.has(botId)) throw Problem.notFound(`No bot '${botId}'.`);
}
