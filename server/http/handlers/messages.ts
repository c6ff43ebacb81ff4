import { acceptChannelMessage } from '../../channel/accept-channel-message.js';
import { acceptMessage } from '../../channel/accept-message.js';
import type { ChannelContext } from '../../channel/context.js';
import type { HandlerGroup } from '../handler.js';

export function messageHandlers(ctx: ChannelContext): HandlerGroup<'sendMessage' | 'sendChannelMessage'> {
  return {
    async sendMessage({ params, headers, body }) {
      const idempotencyKey = headers['idempotency-key'];
      const accepted = await acceptMessage(ctx, {
        botId: params.botId,
        request: body,
        ...(typeof idempotencyKey === 'string' && { idempotencyKey }),
      });
      return { status: 202, body: accepted };
    },
    async sendChannelMessage({ params, headers, body }) {
      const idempotencyKey = headers['idempotency-key'];
      const accepted = await acceptChannelMessage(ctx, {
        channelId: params.channelId,
        request: body,
        ...(typeof idempotencyKey === 'string' && { idempotencyKey }),
      });
      return { status: 202, body: accepted };
    },
  };
}
