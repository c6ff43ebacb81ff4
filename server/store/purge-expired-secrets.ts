import type { Db } from './database.js';

/** Deletes the replaced secrets whose grace period ended by `now` (ms). Answers how many went. */
export async function purgeExpiredSecrets(db: Db, input: { now: number }): Promise<number> {
  const result = await db.deleteFrom('previous_secrets').where('expires_at', '<=', input.now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
