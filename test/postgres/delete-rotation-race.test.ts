/**
 * Two instances act on one channel at the same moment: one rotates its signing secret while the
 * other deletes the channel. Each runs on a pool of its own, interleaved deterministically: the
 * rotation's transaction (the channel row locked, the replaced secret inserted, the new one
 * set) is held open, uncommitted, while the delete runs; then it commits. However the two meet,
 * nothing of the deleted channel's secrets survives to sign for a channel configured again.
 */
import { sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { deleteChannel, findChannel, rotateSecret, saveChannel, type Database } from '../../server/store/index.js';
import { openTwoInstances, type TwoInstances } from '../support/two-instances.js';
import { waitFor } from '../support/wait-for.js';

const T0 = Date.parse('2026-11-29T10:00:00Z');
const DAY = 24 * 3600_000;
const FIRST_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const channel = (secret: string, newId: string) => ({ botId: 'demo', url: 'https://bots.example.com/hook', verifyToken: 'token-token', newId, newSecret: secret, now: T0 });

let instances: TwoInstances;
/** Two instances: each a pool of its own on one database. */
let a: Database;
let b: Database;

beforeEach(async () => {
  instances = await openTwoInstances('delete-race');
  ({ a, b } = instances);
  await saveChannel(a.db, channel(FIRST_SECRET, 'chn_01JD8X2A5B7C9D1E3F5G7H9J1K'));
});
afterEach(() => instances?.close());

const waitsOnLock = async () => {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(a.db);
  return rows[0]!.n > 0;
};

it('deletes the secret a rotation on another instance replaced while the delete ran', async () => {
  // What a rotation writes, in its order (rotateSecret): lock the channel, keep the replaced
  // secret, set the new one; held open while instance B deletes the channel.
  const rotation = await a.db.startTransaction().execute();
  try {
    await rotation.selectFrom('channels').select('secret').where('bot_id', '=', 'demo').forUpdate().execute();
    await rotation.insertInto('previous_secrets').values({ bot_id: 'demo', secret: FIRST_SECRET, expires_at: T0 + DAY, retired_at: T0 }).execute();
    await rotation.updateTable('channels').set({ secret: 'whsec_RotatedRotatedRotatedRotatedRota', updated_at: T0 }).where('bot_id', '=', 'demo').execute();
  } catch (error) {
    await rotation.rollback().execute();
    throw error;
  }
  let settled = false;
  const deleting = deleteChannel(b.db, 'demo').finally(() => {
    settled = true;
  });
  deleting.catch(() => undefined);
  await waitFor(async () => settled || (await waitsOnLock()), { what: 'the delete to finish or to wait on the rotation' });
  await rotation.commit().execute();
  expect(await deleting).toBe(true);

  // Configured again: its new secret alone signs.
  await saveChannel(b.db, channel('whsec_NewChannelNewChannelNewChannelNew', 'chn_01JD8X2A5B7C9D1E3F5G7H9J2M'));
  const again = await findChannel(a.db, 'demo');
  expect(again?.secret).toBe('whsec_NewChannelNewChannelNewChannelNew');
  expect(again?.previousSecrets).toEqual([]);
});

it('refuses a rotation that waited on a delete of the channel', async () => {
  const removal = await b.db.startTransaction().execute();
  let rotating: ReturnType<typeof rotateSecret> | undefined;
  try {
    await removal.selectFrom('channels').select('bot_id').where('bot_id', '=', 'demo').forUpdate().execute();
    await removal.deleteFrom('previous_secrets').where('bot_id', '=', 'demo').execute();
    await removal.deleteFrom('channels').where('bot_id', '=', 'demo').execute();
    rotating = rotateSecret(a.db, { botId: 'demo', secret: 'whsec_RotatedRotatedRotatedRotatedRota', previousExpiresAt: T0 + DAY, now: T0, maxPrevious: 10 });
    rotating.catch(() => undefined);
    await waitFor(waitsOnLock, { what: 'the rotation to wait on the delete' });
  } finally {
    await removal.commit().execute();
  }
  expect((await rotating!).outcome).toBe('no-channel');
  await saveChannel(b.db, channel('whsec_NewChannelNewChannelNewChannelNew', 'chn_01JD8X2A5B7C9D1E3F5G7H9J2M'));
  expect((await findChannel(a.db, 'demo'))?.previousSecrets).toEqual([]);
});
