/**
 * Sealing the secrets stored in clear (a server started with SECRETS_KEY over a store written
 * without one) while another process changes them: what the other process wrote is never
 * overwritten with the sealed copy of what was there before.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { createSecretBox } from '../../server/credentials/secret-box.js';
import { findChannel, openDatabase, saveChannel, type Database } from '../../server/store/index.js';
import { sealChannelSecrets } from '../../server/store/seal-channel-secrets.js';

const T0 = Date.parse('2026-11-29T10:00:00Z');
const BEFORE = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const ROTATED = 'whsec_RotatedRotatedRotatedRotatedRota';

let dir: string | undefined;
let database: Database | undefined;
let other: BetterSqlite3.Database | undefined;
afterEach(async () => {
  other?.close();
  await database?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('keeps a secret and a verify token another instance saved while the clear ones were being sealed', async () => {
  dir = await mkdtemp(join(tmpdir(), 'wc-seal-'));
  const file = join(dir, 'store.db');
  database = await openDatabase(`sqlite:${file}`);
  await saveChannel(database.db, { botId: 'demo', url: 'https://bots.example.com/hook', verifyToken: 'old-verify-token', newId: 'chn_01JD8X2A5B7C9D1E3F5G7H9J1K', newSecret: BEFORE, now: T0 });
  await database.db.insertInto('previous_secrets').values({ bot_id: 'demo', secret: 'whsec_PreviousPreviousPreviousPreviousP', expires_at: T0 + 1_000, retired_at: T0 }).execute();
  other = new BetterSqlite3(file);
  const box = createSecretBox(randomBytes(32));

  let sealed = 0;
  const changed = await sealChannelSecrets(database.db, (clear) => {
    // Between the read and the write of the first channel: another instance (no key yet, in a
    // rolling deployment) rotates the secret and configures a new verify token, and a
    // retention pass drops the replaced secret and keeps a new one.
    if (sealed++ === 0) {
      other!.prepare('UPDATE channels SET secret = ?, verify_token = ? WHERE bot_id = ?').run(ROTATED, 'new-verify-token', 'demo');
      other!.prepare('UPDATE previous_secrets SET secret = ? WHERE bot_id = ?').run(BEFORE, 'demo');
    }
    return box.seal(clear);
  });

  expect(changed).toBe(1); // the replaced secret, still in clear, was sealed
  const channel = await findChannel(database.db, 'demo');
  expect(channel).toMatchObject({ secret: ROTATED, verifyToken: 'new-verify-token', previousSecrets: [{ secret: BEFORE }] });
  const stored = other.prepare('SELECT secret FROM previous_secrets').get() as { secret: string };
  expect(stored.secret.startsWith('wcenc:')).toBe(true);
});
