/**
 * Migration 0012 on a store whose channel is inside a rotation's grace period: the previous
 * secret moves to `previous_secrets` with its expiry and still signs; one with none moves nothing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { signingSecrets } from '../../server/delivery/signature.js';
import { migrations } from '../../server/store/migrations/index.js';
import { findChannel, openDatabase } from '../../server/store/index.js';

const T0 = Date.parse('2026-11-27T10:00:00.000Z');
let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('migration 0012 (previous secrets)', () => {
  it('moves a channel\'s previous secret, with its expiry, and it still signs until then', async () => {
    dir = await mkdtemp(join(tmpdir(), 'wc-migration-'));
    const file = join(dir, 'old.db');
    const old = new Kysely<any>({ dialect: new SqliteDialect({ database: new BetterSqlite3(file) }) });
    const before = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '0012'));
    const { error } = await new Migrator({ db: old, provider: { getMigrations: async () => before } }).migrateToLatest();
    expect(error).toBeUndefined();
    const channel = { url: 'https://bots.example.com/hook', verify_token: null, status: 'active', created_at: T0, updated_at: T0 };
    await old
      .insertInto('channels')
      .values([
        { ...channel, id: 'chn_01JD8X2A5B7C9D1E3F5G7H9J1K', bot_id: 'demo', secret: 'whsec_new', previous_secret: 'whsec_old', previous_expires_at: T0 + 1_000 },
        { ...channel, id: 'chn_01JD8X2A5B7C9D1E3F5G7H9J1M', bot_id: 'other', secret: 'whsec_only', previous_secret: null, previous_expires_at: null },
      ])
      .execute();
    await old.destroy();

    const database = await openDatabase(`sqlite:${file}`);
    try {
      const demo = await findChannel(database.db, 'demo');
      expect(demo).toMatchObject({ secret: 'whsec_new', previousSecrets: [{ secret: 'whsec_old', expiresAt: T0 + 1_000 }] });
      expect(signingSecrets(demo!, T0 + 999)).toEqual(['whsec_new', 'whsec_old']);
      expect(signingSecrets(demo!, T0 + 1_000)).toEqual(['whsec_new']);
      expect(await findChannel(database.db, 'other')).toMatchObject({ secret: 'whsec_only', previousSecrets: [] });
      const columns = (await database.db.introspection.getTables()).find((t) => t.name === 'channels')!.columns.map((c) => c.name);
      expect(columns).not.toContain('previous_secret');
      expect(columns).not.toContain('previous_expires_at');
    } finally {
      await database.close();
    }
  });
});
