import type { components } from '../../spec/generated/api.js';
import { acceptMessage, type MessageAccepted } from './accept-message.js';
import { requireBot } from './configure-channel.js';
import type { ChannelContext } from './context.js';

type LegacySendMessageRequest = components['schemas']['LegacySendMessageRequest'];

/**
 * The platform's deprecated endpoint: the message is accepted as a text message. The channel's
 * verify token in the body authenticates it; the HTTP layer checked it (http/auth.ts) before
 * charging the bot's rate limit, so that a failed authentication costs the bot nothing.
 */
export async function acceptLegacyMessage(ctx: ChannelContext, botId: string, request: LegacySendMessageRequest): Promise<MessageAccepted> {
  requireBot(ctx, botId);
  return acceptMessage(ctx, {
    botId,
    request: {
      sender: { id: request.sender.id, ...(request.locale && { locale: request.locale }) },
      message: { type: 'text', text: request.text },
    },
  });
}
