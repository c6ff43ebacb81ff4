/**
 * The accepts' batches commit under synchronous=NORMAL and wait for an fdatasync of the WAL off
 * the event loop (server/store/wal-sync.ts); everything else must still commit under FULL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, sql, SqliteDialect } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createGroupCommit } from '../../server/store/group-commit.js';
import { walSync } from '../../server/store/wal-sync.js';

interface TestSchema {
  items: { id: number };
}

let dir: string;
let path: string;
let db: Kysely<TestSchema>;
let sqlite: BetterSqlite3.Database;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wc-wal-sync-'));
  path = join(dir, 'test.db');
  sqlite = new BetterSqlite3(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  db = new Kysely<TestSchema>({ dialect: new SqliteDialect({ database: sqlite }) });
  await sql`create table items (id integer primary key)`.execute(db);
});
afterEach(async () => {
  await db.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const FULL = 2;

it('relaxes only the batch: the connection is back to synchronous=FULL for every other transaction', async () => {
  const deferredSync = walSync<TestSchema>(path);
  const writes = createGroupCommit(db, { maxBatch: 100, deferredSync });
  const seen = await Promise.all(
    [1, 2, 3].map((id) =>
      writes.run(async (trx) => {
        await trx.insertInto('items').values({ id }).execute();
        return (await sql<{ synchronous: number }>`PRAGMA synchronous`.execute(trx)).rows[0]!.synchronous;
      }),
    ),
  );
  expect(seen).toEqual([1, 1, 1]); // NORMAL inside the batch
  expect(sqlite.pragma('synchronous', { simple: true })).toBe(FULL);
  await writes.close();
  await deferredSync.close();
});

it('answers every caller of sync, however many ask at once, and the rows are in the file', async () => {
  const deferredSync = walSync<TestSchema>(path);
  const writes = createGroupCommit(db, { maxBatch: 1, deferredSync });
  await Promise.all(Array.from({ length: 20 }, (_, i) => writes.run((trx) => trx.insertInto('items').values({ id: i + 1 }).execute())));
  await Promise.all(Array.from({ length: 5 }, () => deferredSync.sync()));
  const other = new BetterSqlite3(path, { readonly: true });
  expect(other.prepare('select count(*) as n from items').get()).toEqual({ n: 20 });
  other.close();
  await writes.close();
  await deferredSync.close();
});
