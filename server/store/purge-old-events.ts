import type { Db } from './database.js';

/**
 * Deletes up to `limit` of the oldest events of the log created before `before` (ms). Answers how
 * many went: fewer than `limit` means none are left. The oldest events have the lowest ids, so
 * this reads the primary key from its start and never scans the rest of the log. A stream that
 * resumes after a purged id simply gets what is left after it.
 */
export async function purgeOldEvents(db: Db, input: { before: number; limit: number }): Promise<number> {
  const oldest = await db.selectFrom('events').select(['id', 'created_at']).orderBy('id').limit(input.limit).execute();
  const ids = oldest.filter((row) => Number(row.created_at) < input.before).map((row) => row.id);
  if (ids.length === 0) return 0;
  await db.deleteFrom('events').where('id', 'in', ids).execute();
  return ids.length;
}
