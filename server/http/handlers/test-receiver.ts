import { requireBot } from '../../channel/configure-channel.js';
import type { ChannelContext } from '../../channel/context.js';
import { testReceiverUrl, type TestReceiver } from '../../delivery/test-receiver.js';
import type { HandlerGroup } from '../handler.js';

export function testReceiverHandlers(ctx: ChannelContext, receiver: TestReceiver): HandlerGroup<'getTestReceiver'> {
  return {
    async getTestReceiver({ params }) {
      requireBot(ctx, params.botId);
      return {
        status: 200,
        body: {
          url: testReceiverUrl(params.botId),
          received: receiver.inbox(params.botId).map((e) => ({ ...e, receivedAt: new Date(e.receivedAt).toISOString() })),
        },
      };
    },
  };
}
