import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deleteExpiredIdempotencyKeys, findIdempotencyRecord, openDatabase, saveIdempotencyRecord, WriteConflictError, type Database } from '../../server/store/index.js';

const T0 = Date.parse('2026-11-27T10:00:00Z');
const DAY = 86_400_000;
let database: Database;
beforeEach(async () => (database = await openDatabase('sqlite::memory:')));
afterEach(async () => database.close());

describe('idempotency keys', () => {
  it('remember the first answer for the time to live, per bot', async () => {
    await saveIdempotencyRecord(database.db, { botId: 'demo', key: 'k1', requestHash: 'h1', response: { messageId: 'm1' }, now: T0, ttlMs: DAY });
    expect(await findIdempotencyRecord(database.db, 'demo', 'k1', T0 + DAY - 1)).toEqual({ requestHash: 'h1', response: { messageId: 'm1' } });
    expect(await findIdempotencyRecord(database.db, 'other', 'k1', T0)).toBeUndefined();
    expect(await findIdempotencyRecord(database.db, 'demo', 'k1', T0 + DAY)).toBeUndefined();
  });

  it('let an expired key be used again, and are purged', async () => {
    await saveIdempotencyRecord(database.db, { botId: 'demo', key: 'k1', requestHash: 'h1', response: 1, now: T0, ttlMs: DAY });
    // A live key taken meanwhile (a concurrent request committed first): the caller's transaction runs again.
    await expect(
      saveIdempotencyRecord(database.db, { botId: 'demo', key: 'k1', requestHash: 'h2', response: 2, now: T0 + 1, ttlMs: DAY }),
    ).rejects.toThrow(WriteConflictError);
    expect((await findIdempotencyRecord(database.db, 'demo', 'k1', T0 + 2))!.requestHash).toBe('h1');
    await saveIdempotencyRecord(database.db, { botId: 'demo', key: 'k1', requestHash: 'h3', response: 3, now: T0 + DAY, ttlMs: DAY });
    expect((await findIdempotencyRecord(database.db, 'demo', 'k1', T0 + DAY))!.requestHash).toBe('h3');
    expect(await deleteExpiredIdempotencyKeys(database.db, T0 + 3 * DAY)).toBe(1);
  });
});
