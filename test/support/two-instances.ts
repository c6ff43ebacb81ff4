/**
 * Two server instances' stores on one throw-away database, each with a pool of its own, for tests
 * that interleave store operations of two instances deterministically (test/postgres/*-race).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Database } from '../../server/store/index.js';
import { createTestDatabaseUrl } from './test-store.js';

export interface TwoInstances {
  a: Database;
  b: Database;
  /** Closes both pools, then drops the database and its folder. */
  close(): Promise<void>;
}

export async function openTwoInstances(name: string): Promise<TwoInstances> {
  const dir = await mkdtemp(join(tmpdir(), `wc-${name}-`));
  const database = await createTestDatabaseUrl(dir, name);
  const a = await openDatabase(database.url);
  const b = await openDatabase(database.url);
  return {
    a,
    b,
    async close() {
      await a.close();
      await b.close();
      await database.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
