/**
 * Migration 0004 on a store that already holds a channel: it gets an id, its verify token is
 * kept, and a channel saved afterwards may have none.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { initial } from '../../server/store/migrations/0001-initial.js';
import { findChannel, openDatabase, saveChannel } from '../../server/store/index.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('migration 0004 (channel id, optional verify token)', () => {
  it('gives an existing channel an id and keeps its verify token', async () => {
    dir = await mkdtemp(join(tmpdir(), 'wc-migration-'));
    const file = join(dir, 'old.db');
    const old = new Kysely<any>({ dialect: new SqliteDialect({ database: new BetterSqlite3(file) }) });
    const { error } = await new Migrator({ db: old, provider: { getMigrations: async () => ({ '0001-initial': initial }) } }).migrateToLatest();
    expect(error).toBeUndefined();
    await old
      .insertInto('channels')
      .values({ bot_id: 'demo', url: 'https://bots.example.com/hook', verify_token: 'old-verify-token', status: 'active', secret: 'whsec_x', created_at: 1, updated_at: 1 })
      .execute();
    await old.destroy();

    const database = await openDatabase(`sqlite:${file}`);
    try {
      const channel = await findChannel(database.db, 'demo');
      expect(channel?.id).toMatch(/^chn_[0-9A-Z]{26}$/);
      expect(channel?.verifyToken).toBe('old-verify-token');

      const saved = await saveChannel(database.db, { botId: 'other', url: 'https://bots.example.com/other', verifyToken: null, verified: false, newId: 'chn_01JD8X2A5B7C9D1E3F5G7H9J1K', newSecret: 'whsec_y', now: 2 });
      expect(saved).toMatchObject({ id: 'chn_01JD8X2A5B7C9D1E3F5G7H9J1K', verifyToken: null, verifiedAt: null });
    } finally {
      await database.close();
    }
  });
});
