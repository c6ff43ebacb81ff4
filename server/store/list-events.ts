import type { Db } from './database.js';
import type { StoredEvent } from './records.js';

/** The bot's events after `after` (an event id; 0 for the start), oldest first. */
export async function listEvents(
  db: Db,
  query: { botId: string; after: number; senderId?: string; limit: number },
): Promise<StoredEvent[]> {
  let select = db
    .selectFrom('events')
    .select(['id', 'bot_id', 'sender_id', 'body'])
    .where('bot_id', '=', query.botId)
    .where('id', '>', query.after);
  if (query.senderId !== undefined) select = select.where('sender_id', '=', query.senderId);
  const rows = await select.orderBy('id').limit(query.limit).execute();
  return rows.map((row) => ({ id: Number(row.id), botId: row.bot_id, senderId: row.sender_id, record: JSON.parse(row.body) }));
}

/**
 * For each bot with events after `after`, its newest event id. The event stream polls this one
 * cheap query to learn which bots have news.
 */
export async function listEventHeads(db: Db, after: number): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('events')
    .select(['bot_id', (eb) => eb.fn.max('id').as('id')])
    .where('id', '>', after)
    .groupBy('bot_id')
    .execute();
  return new Map(rows.map((r) => [r.bot_id, Number(r.id)]));
}

/** The newest event id of all bots (0 when the log is empty): where a new poller starts. */
export async function newestEventId(db: Db): Promise<number> {
  const row = await db.selectFrom('events').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
  return Number(row?.id ?? 0);
}
