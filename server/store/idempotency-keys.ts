import type { Db } from './database.js';
import { WriteConflictError } from './store-errors.js';

export interface IdempotencyRecord {
  requestHash: string;
  response: unknown;
}

/** The first answer given to this key, while it has not expired. */
export async function findIdempotencyRecord(db: Db, botId: string, key: string, now: number): Promise<IdempotencyRecord | undefined> {
  const row = await db
    .selectFrom('idempotency_keys')
    .select(['request_hash', 'response'])
    .where('bot_id', '=', botId)
    .where('key', '=', key)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return row && { requestHash: row.request_hash, response: JSON.parse(row.response) };
}

/**
 * Remembers the answer to a key; an expired record of the same key is replaced.
 * @throws WriteConflictError when a live record of the key exists: a concurrent request with the
 * same key committed first (on another instance, or between this transaction's read and write).
 * The caller's transaction rolls back and runs again, and then finds that record.
 */
export async function saveIdempotencyRecord(
  db: Db,
  input: { botId: string; key: string; requestHash: string; response: unknown; now: number; ttlMs: number },
): Promise<void> {
  const values = {
    request_hash: input.requestHash,
    response: JSON.stringify(input.response),
    created_at: input.now,
    expires_at: input.now + input.ttlMs,
  };
  const written = await db
    .insertInto('idempotency_keys')
    .values({ bot_id: input.botId, key: input.key, ...values })
    .onConflict((oc) => oc.columns(['bot_id', 'key']).doUpdateSet(values).where('idempotency_keys.expires_at', '<=', input.now))
    .executeTakeFirst();
  if (Number(written.numInsertedOrUpdatedRows ?? 0) === 0) {
    throw new WriteConflictError(`idempotency key ${input.key} of bot ${input.botId} was taken by a concurrent request`);
  }
}

/** Forgets keys past their time, so the table does not grow without end. */
export async function deleteExpiredIdempotencyKeys(db: Db, now: number): Promise<number> {
  const result = await db.deleteFrom('idempotency_keys').where('expires_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
