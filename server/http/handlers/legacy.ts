import { acceptMessage } from '../../channel/accept-message.js';
import { secretsEqual } from '../../channel/secrets-equal.js';
import { requireBot } from '../../channel/configure-channel.js';
import type { ChannelContext } from '../../channel/context.js';
import { Problem } from '../../problem.js';
import { findChannel } from '../../store/index.js';
import type { OperationHandlers } from '../handler.js';

/** The platform's deprecated endpoint: the channel's verify token in the body authenticates it. */
export function legacyHandlers(ctx: ChannelContext): OperationHandlers {
  return {
    async legacySendMessage({ params, body }) {
      const botId = params.botId!;
      requireBot(ctx, botId);
      const channel = await findChannel(ctx.database.db, botId);
      if (!channel || !secretsEqual(body.verifyToken, channel.verifyToken)) {
        throw Problem.unauthorized('The verifyToken does not match the webhook channel of this bot.');
      }
      await acceptMessage(ctx, {
        botId,
        request: {
          sender: { id: body.sender.id, ...(body.locale && { locale: body.locale }) },
          message: { type: 'text', text: body.text },
        },
      });
      return { status: 200, body: 'EVENT_RECEIVED', contentType: 'text/plain; charset=utf-8' };
    },
  };
}
