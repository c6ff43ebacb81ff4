import { acceptLegacyMessage } from '../../channel/accept-legacy-message.js';
import type { ChannelContext } from '../../channel/context.js';
import type { HandlerGroup } from '../handler.js';

/** The platform's deprecated endpoint: the channel's verify token in the body authenticates it. */
export function legacyHandlers(ctx: ChannelContext): HandlerGroup<'legacySendMessage'> {
  return {
    async legacySendMessage({ params, body }) {
      await acceptLegacyMessage(ctx, params.botId, body);
      return { status: 200, body: 'EVENT_RECEIVED', contentType: 'text/plain; charset=utf-8' };
    },
  };
}
