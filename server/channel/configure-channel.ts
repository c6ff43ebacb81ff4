import { hashVerifyToken } from '../credentials/verify-token.js';
import { Problem } from '../problem.js';
import { findChannel, rotateSecret, saveChannel, type ChannelRecord } from '../store/index.js';
import type { ChannelContext } from './context.js';
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
  input: { url: string; verifyToken?: string; handshake?: boolean },
): Promise<ChannelRecord> {
  requireBot(ctx, botId);
  const handshake = input.handshake !== false;
  // The spec says so too (WebhookChannelInput); checked here so that no caller can skip it.
  if (handshake && input.verifyToken === undefined) {
    throw Problem.validation([{ location: 'body.verifyToken', message: 'is required unless handshake is false' }]);
  }
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
    newSecret: ctx.secrets.seal(generateSigningSecret()),
    now: ctx.clock.now(),
  });
  ctx.logger.info({ botId, status: channel.status, handshake }, 'webhook channel configured');
  ctx.wakeDelivery();
  return channel;
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
  await getChannel(ctx, botId);
  const now = ctx.clock.now();
  const result = await rotateSecret(ctx.database.db, {
    botId,
    secret: ctx.secrets.seal(generateSigningSecret()),
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
