import type { Db } from './database.js';

/**
 * Deletes up to `limit` messages created before `before` (ms) from the conversations' history.
 * A message that still has a delivery (pending, failed, or delivered but not yet purged) stays.
 * The conversation itself, its session and its counters stay, so `sequence` and
 * `messageCounter` go on from where they were. Answers how many went.
 */
export async function purgeOldMessages(db: Db, input: { before: number; limit: number }): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const ids = (
      await trx
        .selectFrom('messages as m')
        .select('m.id')
        .where('m.created_at', '<', input.before)
        .where(({ not, exists, selectFrom }) => not(exists(selectFrom('deliveries as d').select('d.id').whereRef('d.message_id', '=', 'm.id'))))
        .limit(input.limit)
        .execute()
    ).map((row) => row.id);
    if (ids.length === 0) return 0;
    await trx.deleteFrom('messages').where('id', 'in', ids).execute();
    return ids.length;
  });
}
