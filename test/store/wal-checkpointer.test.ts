/**
 * The WAL is copied into the database file by a thread of its own (server/store/wal-checkpointer.ts),
 * not by the main connection's commits: the writer here never checkpoints, yet the file fills.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { startWalCheckpointer } from '../../server/store/wal-checkpointer.js';

let dir: string | undefined;
afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

async function until(condition: () => boolean, deadlineMs: number): Promise<void> {
  const deadline = performance.now() + deadlineMs;
  while (!condition() && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}

it('copies committed pages into the database file while the writer never checkpoints', async () => {
  dir = mkdtempSync(join(tmpdir(), 'wc-checkpointer-'));
  const path = join(dir, 'test.db');
  const writer = new BetterSqlite3(path);
  writer.pragma('journal_mode = WAL');
  writer.pragma('wal_autocheckpoint = 0');
  writer.exec('create table t (id integer primary key, body text)');
  const insert = writer.prepare('insert into t (body) values (?)');
  for (let i = 0; i < 20; i++) writer.transaction(() => { for (let j = 0; j < 50; j++) insert.run('x'.repeat(1000)); })();
  const before = statSync(path).size;
  expect(before).toBeLessThan(100_000); // ~1 MB committed, all of it still in the WAL

  const errors: string[] = [];
  const checkpointer = startWalCheckpointer(path, { everyMs: 10, onError: (message) => errors.push(message) });
  await until(() => statSync(path).size > 900_000, 10_000);
  await checkpointer.stop();
  expect(statSync(path).size).toBeGreaterThan(900_000);
  expect(errors).toEqual([]);
  expect(writer.prepare('select count(*) as n from t').get()).toEqual({ n: 1000 });
  writer.close();
});
