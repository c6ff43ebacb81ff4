import { pino } from 'pino';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startIdempotencyKeyPurge } from '../../server/channel/idempotency-key-purge.js';
import { findIdempotencyRecord, openDatabase, saveIdempotencyRecord, type Database } from '../../server/store/index.js';
import { waitFor } from '../support/wait-for.js';

const T0 = Date.parse('2026-11-27T10:00:00Z');
const DAY = 86_400_000;
let database: Database;
beforeEach(async () => (database = await openDatabase('sqlite::memory:')));
afterEach(async () => database.close());

async function rows(): Promise<number> {
  return (await database.db.selectFrom('idempotency_keys').select('key').execute()).length;
}

it('deletes expired idempotency keys at start and periodically, and keeps live ones', async () => {
  let now = T0;
  await saveIdempotencyRecord(database.db, { botId: 'demo', key: 'old', requestHash: 'h', response: 1, now: T0 - 2 * DAY, ttlMs: DAY });
  await saveIdempotencyRecord(database.db, { botId: 'demo', key: 'live', requestHash: 'h', response: 2, now: T0, ttlMs: DAY });
  const purge = startIdempotencyKeyPurge({ db: database.db, clock: { now: () => now }, logger: pino({ level: 'silent' }) }, 20);
  try {
    await waitFor(async () => (await rows()) === 1, { what: 'the expired key to go at start' });
    expect(await findIdempotencyRecord(database.db, 'demo', 'live', now)).toBeDefined();
    now = T0 + DAY;
    await waitFor(async () => (await rows()) === 0, { what: 'the next purge' });
  } finally {
    await purge.stop();
  }
});
