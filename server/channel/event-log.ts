/** The bot's event log: a page at a time, or followed live through the event hub (event-stream.ts). */
import type { Readable } from 'node:stream';
import { listEvents, newestEventId, type StoredEvent } from '../store/index.js';
import { requireBot } from './configure-channel.js';
import type { ChannelContext } from './context.js';
import type { EventHub, OpenStream } from './event-stream.js';

/** The bot's events after the event id `after` (0 for the start), oldest first, at most `limit`; 404 for an unknown bot. */
export async function readEvents(
  ctx: ChannelContext,
  query: { botId: string; after: number; senderId?: string; limit: number },
): Promise<StoredEvent[]> {
  requireBot(ctx, query.botId);
  return listEvents(ctx.database.db, query);
}

/** The bot's events after `after` as a live SSE stream; 404 for an unknown bot. */
export function followEvents(ctx: ChannelContext, hub: EventHub, request: OpenStream): Readable {
  requireBot(ctx, request.botId);
  return hub.open(request);
}

/** The id of the newest event in the log (0 when empty): where "from now on" starts. */
export function currentEventId(ctx: ChannelContext): Promise<number> {
  return newestEventId(ctx.database.db);
}
