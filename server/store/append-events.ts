import type { Db } from './database.js';
import type { EventRecord } from './records.js';

export interface NewEvent {
  botId: string;
  /** The conversation it belongs to: the stream's `senderId` filter. */
  senderId: string;
  record: EventRecord;
}

/** Appends events to the bots' log, in order, in the caller's transaction. */
export async function appendEvents(db: Db, events: readonly NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db
    .insertInto('events')
    .values(
      events.map((e) => ({
        bot_id: e.botId,
        sender_id: e.senderId,
        type: e.record.type,
        body: JSON.stringify(e.record),
        created_at: e.record.createdAt,
      })),
    )
    .execute();
}
