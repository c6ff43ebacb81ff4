/**
 * Opens the store named by DATABASE_URL and brings its schema up to date.
 * `sqlite:PATH` (the embedded default) or `sqlite::memory:` for tests.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type Transaction } from 'kysely';
import { migrationProvider } from './migrations/index.js';
import type { Schema } from './schema.js';

export type Db = Kysely<Schema> | Transaction<Schema>;

export interface Database {
  db: Kysely<Schema>;
  dialect: 'sqlite' | 'postgres';
  close(): Promise<void>;
}

export async function openDatabase(url: string): Promise<Database> {
  if (!url.startsWith('sqlite:')) {
    throw new Error(`openDatabase: a sqlite:PATH URL is needed (got ${url.replace(/\/\/[^@/]*@/, '//…@')})`);
  }
  const path = url.slice('sqlite:'.length);
  const memory = path === ':memory:';
  if (!memory) mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new BetterSqlite3(memory ? ':memory:' : path);
  // WAL lets readers run beside the writer; FULL makes each commit durable, since a 202 promises no loss.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  await migrate(db);
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely prepares every query anew; the same few dozen statements run all the time, so keep
 * them prepared (a bounded cache, least recently used out). Safe because Kysely runs one query
 * at a time on the connection and this code never streams results.
 */
function withStatementCache(sqlite: BetterSqlite3.Database): BetterSqlite3.Database {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return new Proxy(sqlite, {
    get(target, property, receiver) {
      if (property !== 'prepare') {
        const value = Reflect.get(target, property, receiver);
        // Native methods want the real database as `this`, not the proxy.
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return (source: string) => {
        let statement = cache.get(source);
        if (statement) {
          cache.delete(source);
        } else {
          statement = target.prepare(source);
          if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
        }
        cache.set(source, statement);
        return statement;
      };
    },
  });
}

async function migrate(db: Kysely<Schema>): Promise<void> {
  const { error, results } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed: ${(error as Error).message ?? error}`);
  }
}
