import type { ChannelContext } from '../../channel/context.js';
import type { EventHub } from '../../channel/event-stream.js';
import { currentEventId, followEvents, readEvents } from '../../channel/event-log.js';
import type { HandlerGroup } from '../handler.js';
import { presentStreamEvent } from '../present.js';

export function eventHandlers(ctx: ChannelContext, hub: EventHub): HandlerGroup<'streamEvents'> {
  return {
    async streamEvents({ params, query, headers }) {
      const { botId } = params;
      // An EventSource reconnects to the same URL with Last-Event-ID: the header is the newer cursor.
      const cursor = (headers['last-event-id'] as string | undefined) ?? query.after;
      const after = cursor === undefined ? 0 : cursor === 'now' ? await currentEventId(ctx) : Number(cursor);
      if (String(headers.accept ?? '').includes('text/event-stream')) {
        return {
          status: 200,
          contentType: 'text/event-stream',
          headers: { 'cache-control': 'no-cache', 'x-accel-buffering': 'no' },
          // The typed seam declares the stream's body as text; it is written as it happens.
          body: followEvents(ctx, hub, { botId, after, senderId: query.senderId, present: presentStreamEvent }) as unknown as string,
        };
      }
      const events = await readEvents(ctx, { botId, after, senderId: query.senderId, limit: query.limit ?? 100 });
      const last = events[events.length - 1];
      return {
        status: 200,
        body: { data: events.map(presentStreamEvent), lastEventId: last ? String(last.id) : cursor === undefined || after === 0 ? null : String(after) },
      };
    },
  };
}
