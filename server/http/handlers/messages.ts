import { acceptMessage } from '../../channel/accept-message.js';
import type { ChannelContext } from '../../channel/context.js';
import type { OperationHandlers } from '../handler.js';

export function messageHandlers(ctx: ChannelContext): OperationHandlers {
  return {
    async sendMessage({ params, headers, body }) {
      const idempotencyKey = headers['idempotency-key'];
      const accepted = await acceptMessage(ctx, {
        botId: params.botId!,
        request: body,
        idempotencyKey: typeof idempotencyKey === 'string' ? idempotencyKey : undefined,
      });
      return { status: 202, body: accepted };
    },
  };
}
