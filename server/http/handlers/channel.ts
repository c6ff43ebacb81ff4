import { configureChannel, getChannel, requireBot, rotateSigningSecret } from '../../channel/configure-channel.js';
import type { ChannelContext } from '../../channel/context.js';
import { Problem } from '../../problem.js';
import { deleteChannel } from '../../store/index.js';
import type { OperationHandlers } from '../handler.js';
import { presentChannel, presentSecret } from '../present.js';

export function channelHandlers(ctx: ChannelContext): OperationHandlers {
  return {
    async getWebhookChannel({ params }) {
      return { status: 200, body: presentChannel(await getChannel(ctx, params.botId!)) };
    },
    async putWebhookChannel({ params, body }) {
      return { status: 200, body: presentChannel(await configureChannel(ctx, params.botId!, body)) };
    },
    async deleteWebhookChannel({ params }) {
      requireBot(ctx, params.botId!);
      if (!(await deleteChannel(ctx.database.db, params.botId!))) {
        throw Problem.notFound(`No webhook channel is configured for bot '${params.botId}'.`);
      }
      ctx.logger.info({ botId: params.botId }, 'webhook channel removed');
      return { status: 204 };
    },
    async getWebhookSecret({ params }) {
      return { status: 200, body: presentSecret(await getChannel(ctx, params.botId!), ctx.clock.now()) };
    },
    async rotateWebhookSecret({ params }) {
      return { status: 200, body: presentSecret(await rotateSigningSecret(ctx, params.botId!), ctx.clock.now()) };
    },
  };
}
