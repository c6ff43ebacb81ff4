import { sql } from 'kysely';
import { engineOf, type Db } from './database.js';
import type { EventRecord } from './records.js';

export interface NewEvent {
  botId: string;
  /** The conversation it belongs to: the stream's `senderId` filter. */
  senderId: string;
  record: EventRecord;
}

/**
 * The one lock every transaction that writes events takes, on PostgreSQL: held until commit, it
 * makes event ids (a sequence, handed out before commit) increase in commit order, so a reader
 * that moved past id N can never see an id below N commit later. SQLite has one writer at a time.
 */
const EVENT_LOG_LOCK = 0x5745_4256; // any constant the application does not use elsewhere

/** Appends events to the bots' log, in order, in the caller's transaction. */
export async function appendEvents(db: Db, events: readonly NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  if (engineOf(db) === 'postgres') await sql`SELECT pg_advisory_xact_lock(${EVENT_LOG_LOCK})`.execute(db);
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
