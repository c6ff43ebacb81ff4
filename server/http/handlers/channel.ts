import { configureChannel, getChannel, listChannels, rotateSigningSecret } from '../../channel/configure-channel.js';
import type { ChannelContext } from '../../channel/context.js';
import { removeChannel } from '../../channel/remove-channel.js';
import type { HandlerGroup } from '../handler.js';
import { presentChannel, presentSecret } from '../present.js';

type ChannelOperation = 'listChannels' | 'getWebhookChannel' | 'putWebhookChannel' | 'deleteWebhookChannel' | 'getWebhookSecret' | 'rotateWebhookSecret';

export function channelHandlers(ctx: ChannelContext): HandlerGroup<ChannelOperation> {
  return {
    async listChannels({ params }) {
      return { status: 200, body: { data: (await listChannels(ctx, params.botId)).map((c) => presentChannel(c, ctx.publicBaseUrl())) } };
    },
    async getWebhookChannel({ params }) {
      return { status: 200, body: presentChannel(await getChannel(ctx, params.botId), ctx.publicBaseUrl()) };
    },
    async putWebhookChannel({ params, body }) {
      return { status: 200, body: presentChannel(await configureChannel(ctx, params.botId, body), ctx.publicBaseUrl()) };
    },
    async deleteWebhookChannel({ params }) {
      await removeChannel(ctx, params.botId);
      return { status: 204 };
    },
    async getWebhookSecret({ params }) {
      return { status: 200, body: presentSecret(await getChannel(ctx, params.botId), ctx.clock.now()) };
    },
    async rotateWebhookSecret({ params }) {
      return { status: 200, body: presentSecret(await rotateSigningSecret(ctx, params.botId), ctx.clock.now()) };
    },
  };
}
