/**
 * Which engine this test run uses: the vitest project `postgres` (see vitest.config.ts) runs the
 * server suite again with TEST_STORE=postgres against the throw-away server its global setup
 * started; every other run uses SQLite. Each test gets a database of its own either way.
 */
import { join } from 'node:path';
import { inject } from 'vitest';
import { createTestDatabase } from './postgres.js';

export type TestStore = 'sqlite' | 'postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The throw-away PostgreSQL server's maintenance URL (set by test/support/postgres-setup.ts). */
    postgresAdminUrl: string;
  }
}

export function testStore(): TestStore {
  return process.env.TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';
}

/** The PostgreSQL server of this run; throws outside the `postgres` project. */
export function postgresAdminUrl(): string {
  const url = inject('postgresAdminUrl');
  if (!url) throw new Error('no PostgreSQL server in this run: PostgreSQL tests belong to the vitest project `postgres`');
  return url;
}

/** A fresh DATABASE_URL for one test server: a file in `dir` on SQLite, a new database on PostgreSQL. */
export async function createTestDatabaseUrl(dir: string, name = 'test'): Promise<{ url: string; drop(): Promise<void> }> {
  if (testStore() === 'postgres') return createTestDatabase(postgresAdminUrl());
  return { url: `sqlite:${join(dir, `${name}.db`)}`, drop: async () => undefined };
}

/**
 * Takes the store's write lock from outside the server, as another process would (SQLite: a
 * second connection's BEGIN IMMEDIATE; PostgreSQL: a transaction holding the conversations table
 * EXCLUSIVE), until `release`. Writes of a server whose busy/statement timeout is short then fail.
 */
export async function holdStoreLock(databaseUrl: string): Promise<{ release(): Promise<void> }> {
  if (databaseUrl.startsWith('sqlite:')) {
    const { default: BetterSqlite3 } = await import('better-sqlite3');
    const other = new BetterSqlite3(databaseUrl.slice('sqlite:'.length));
    other.exec('BEGIN IMMEDIATE');
    return {
      async release() {
        other.exec('ROLLBACK');
        other.close();
      },
    };
  }
  const { default: pg } = await import('pg');
  const other = new pg.Client({ connectionString: databaseUrl });
  await other.connect();
  await other.query('BEGIN');
  await other.query('LOCK TABLE conversations IN EXCLUSIVE MODE');
  return {
    async release() {
      await other.query('ROLLBACK');
      await other.end();
    },
  };
}

/**
 * Makes the whole store wait, from outside the server, until `release`: PostgreSQL: a transaction
 * holding every table ACCESS EXCLUSIVE, so reads wait too (and a server with a short statement
 * timeout answers 503 to any request that touches the database). SQLite: the write lock only
 * (`holdStoreLock`), since in WAL mode a reader never waits for a writer.
 */
export async function holdWholeStore(databaseUrl: string): Promise<{ release(): Promise<void> }> {
  if (databaseUrl.startsWith('sqlite:')) return holdStoreLock(databaseUrl);
  const { default: pg } = await import('pg');
  const other = new pg.Client({ connectionString: databaseUrl });
  await other.connect();
  await other.query('BEGIN');
  const { rows } = await other.query<{ name: string }>("SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = current_schema()");
  await other.query(`LOCK TABLE ${rows.map((r) => r.name).join(', ')} IN ACCESS EXCLUSIVE MODE`);
  return {
    async release() {
      await other.query('ROLLBACK');
      await other.end();
    },
  };
}
