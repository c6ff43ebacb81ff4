import type { components } from '../../spec/generated/api.js';
import { secretsEqual } from '../credentials/secrets-equal.js';
import { Problem } from '../problem.js';
import { findChannel } from '../store/index.js';
import { acceptMessage, type MessageAccepted } from './accept-message.js';
import { requireBot } from './configure-channel.js';
import type { ChannelContext } from './context.js';

type LegacySendMessageRequest = components['schemas']['LegacySendMessageRequest'];

/**
 * The platform's deprecated endpoint: the channel's verify token in the body authenticates the
 * message (compared in constant time), which is then accepted as a text message.
 * 401 when no channel is configured, it has no verify token, or the token does not match.
 */
export async function acceptLegacyMessage(ctx: ChannelContext, botId: string, request: LegacySendMessageRequest): Promise<MessageAccepted> {
  requireBot(ctx, botId);
  const channel = await findChannel(ctx.database.db, botId);
  // A channel configured without a verify token cannot authenticate this endpoint at all.
  if (!channel || channel.verifyToken === null || !secretsEqual(request.verifyToken, channel.verifyToken)) {
    throw Problem.unauthorized('The verifyToken does not match the webhook channel of this bot.');
  }
  return acceptMessage(ctx, {
    botId,
    request: {
      sender: { id: request.sender.id, ...(request.locale && { locale: request.locale }) },
      message: { type: 'text', text: request.text },
    },
  });
}
