/**
 * Opens the store named by DATABASE_URL and brings its schema up to date:
 * `sqlite:PATH` (the embedded default), `sqlite::memory:` for tests, or `postgres://…`
 * (`postgresql://…`) for several instances sharing one database.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, Kysely, Migrator, PostgresAdapter, PostgresDialect, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type Transaction } from 'kysely';
import pg from 'pg';
import { createConcurrentWrites } from './concurrent-writes.js';
import { runRelaxed, type DeferredSync } from './deferred-sync.js';
import { createGroupCommit, type GroupCommit } from './group-commit.js';
import { migrationProvider } from './migrations/index.js';
import { startWalCheckpointer } from './wal-checkpointer.js';
import { walSync } from './wal-sync.js';
import type { Schema } from './schema.js';

export type Db = Kysely<Schema> | Transaction<Schema>;

export type Dialect = 'sqlite' | 'postgres';

export interface Database {
  db: Kysely<Schema>;
  dialect: Dialect;
  /**
   * PostgreSQL only: a connection of its own, outside the pool, with the pool's settings (LISTEN
   * needs one that stays open). The caller ends it.
   */
  connect?(): Promise<pg.Client>;
  /**
   * The write path: on SQLite the group commit (concurrent accepts share one transaction and one
   * commit), on PostgreSQL a transaction each, concurrently over the pool. Close lets queued writes commit first.
   */
  writes: GroupCommit;
  /**
   * SQLite on a file only: transactions whose COMMIT returns before the disk has them, made
   * durable by one sync off the event loop that everything committed meanwhile shares (the
   * delivery worker's claims and attempt records, see wal-sync.ts).
   */
  relaxedCommits?: RelaxedCommits;
  /** Lets the queued writes commit, then closes the connections. */
  close(): Promise<void>;
}

/**
 * Work whose commits may wait for the disk later: `run` holds the connection with commits relaxed
 * (no fsync in COMMIT, which on a synchronous driver holds the event loop for its whole length),
 * and `durable` resolves once everything committed before the call is on disk. Whoever acts
 * outside the store on what it committed (a webhook sent) awaits `durable` first.
 */
export interface RelaxedCommits {
  run<T>(work: (connection: Kysely<Schema>) => Promise<T>): Promise<T>;
  durable(): Promise<void>;
}

/**
 * Units per group-commit transaction. A batch holds the connection (and, on SQLite, the event
 * loop) until it commits: 256 accepts are ~40 ms of work, a bound on what waits behind one batch.
 */
const MAX_WRITE_BATCH = 256;

/** Connection settings: PostgreSQL's; SQLite uses only `connectTimeoutMs`. */
export interface DatabaseOptions {
  /** PostgreSQL connections per instance. Default 10. */
  poolSize?: number;
  /** A statement running longer is cancelled (and the request answered 503). Default 30 s. */
  statementTimeoutMs?: number;
  /**
   * Waiting longer for a connection (new or from the pool), or on SQLite for the write lock another
   * process holds, fails the request with 503. Default 5 s.
   */
  connectTimeoutMs?: number;
  /** Told about connections lost while idle; the pool replaces them by itself. */
  onConnectionError?(error: Error): void;
  /** SQLite: told about a failed WAL checkpoint on the checkpointer thread (the WAL still stays bounded). */
  onCheckpointError?(message: string): void;
}

/** The engine behind a connection or transaction: where an operation's two variants differ, it picks one. */
export function engineOf(db: Db): Dialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/**
 * Runs `work` in the caller's transaction when `db` is one, else in a transaction of its own: an
 * operation that is a transaction by itself can then also be one step of a bigger one.
 */
export function inTransaction<T>(db: Db, work: (trx: Transaction<Schema>) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db as Transaction<Schema>) : db.transaction().execute(work);
}

/** Credentials in a URL are never echoed into logs or terminals. */
export function redactDatabaseUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//…@');
}

export function dialectOf(url: string): Dialect | undefined {
  if (/^sqlite:./.test(url)) return 'sqlite';
  if (/^postgres(ql)?:\/\/./.test(url)) return 'postgres';
  return undefined;
}

/** The file of a `sqlite:PATH` URL; undefined for PostgreSQL and for `sqlite::memory:`. */
export function sqliteFileOf(url: string): string | undefined {
  if (dialectOf(url) !== 'sqlite') return undefined;
  const path = url.slice('sqlite:'.length);
  return path === ':memory:' ? undefined : path;
}

export async function openDatabase(url: string, options: DatabaseOptions = {}): Promise<Database> {
  const dialect = dialectOf(url);
  if (dialect === 'postgres') return openPostgres(url, options);
  if (dialect !== 'sqlite') {
    throw new Error(`openDatabase: a sqlite:PATH or postgres:// URL is needed (got ${redactDatabaseUrl(url)})`);
  }
  const path = url.slice('sqlite:'.length);
  const memory = path === ':memory:';
  if (!memory) createPrivateFile(path);
  const sqlite = new BetterSqlite3(memory ? ':memory:' : path);
  // WAL lets readers run beside the writer; FULL makes each commit durable, since a 202 promises no
  // loss (the accepts' batches wait for the disk off the event loop instead: wal-sync.ts).
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  // Another process writing (a backup, the token CLI) holds the lock for a moment. better-sqlite3
  // waits for it synchronously, holding the event loop, so SQLite's own wait is one short slice and
  // the transaction's BEGIN waits the rest of the connect timeout from the event loop (below).
  sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_SLICE_MS}`);
  const lockWaitMs = options.connectTimeoutMs ?? 5_000;
  const db = new Kysely<Schema>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite) }, lockWaitMs) });
  if (memory) {
    await migrate(db);
    return withWrites(db, { db, dialect: 'sqlite' });
  }
  // The accepts' batches are made durable off the event loop (wal-sync.ts); a 202 still waits for the disk.
  const deferredSync = walSync<Schema>(path);
  // A new database takes a dozen migrations, some fifty commits: relaxed, with one sync after
  // them all before anything is served, rather than an fsync each (about a tenth of the cold start).
  await runRelaxed(db, deferredSync, (connection) => migrate(connection));
  await deferredSync.sync();
  // Checkpoints run on a thread of their own (wal-checkpointer.ts); this connection checkpoints
  // only if that one falls behind by ten times SQLite's default.
  sqlite.pragma(`wal_autocheckpoint = ${MAIN_AUTOCHECKPOINT_PAGES}`);
  const checkpointer = startWalCheckpointer(path, { everyMs: CHECKPOINT_EVERY_MS, onError: options.onCheckpointError });
  const database = withWrites(db, { db, dialect: 'sqlite' }, deferredSync);
  return {
    ...database,
    relaxedCommits: {
      run: (work) => runRelaxed(db, deferredSync, work),
      durable: () => deferredSync.sync(),
    },
    async close() {
      await checkpointer.stop();
      await database.close();
      await deferredSync.close();
    },
  };
}

/** The WAL's pages past which the main connection checkpoints itself (SQLite's default is 1,000). */
const MAIN_AUTOCHECKPOINT_PAGES = 10_000;
/** How often the checkpointer thread copies the WAL into the database file. */
const CHECKPOINT_EVERY_MS = 200;

/** How long SQLite itself may wait for another process's lock, holding the event loop: one slice. */
const SQLITE_BUSY_SLICE_MS = 10;
/** The longest pause between two tries of a BEGIN whose lock another process holds. */
const LOCK_RETRY_MAX_PAUSE_MS = 50;

/**
 * Every transaction here writes, so it begins IMMEDIATE: it takes the write lock up front, where
 * waiting for it is safe. A deferred BEGIN that reads, then writes while another process wrote
 * meanwhile fails at once with SQLITE_BUSY whatever the timeout (the upgrade cannot wait without
 * risking a deadlock), which answered 500 when two processes shared a file.
 *
 * While another process holds the lock, the BEGIN is tried again from the event loop (pauses
 * doubling from 1 ms up to 50 ms) until `lockWaitMs` has passed, then its SQLITE_BUSY is thrown
 * (answered 503 with Retry-After: store-errors.ts). Kysely runs one query at a time on the
 * connection, so other queries queue behind the waiting BEGIN, but the server goes on answering
 * what needs no store (health, static pages, the event stream's keep-alives) meanwhile.
 * @see https://www.sqlite.org/lang_transaction.html
 * @see https://www.sqlite.org/c3ref/busy_timeout.html
 */
class ImmediateSqliteDialect extends SqliteDialect {
  constructor(
    config: ConstructorParameters<typeof SqliteDialect>[0],
    private readonly lockWaitMs: number,
  ) {
    super(config);
  }

  override createDriver(): Driver {
    const driver = super.createDriver() as SqliteDriver;
    const lockWaitMs = this.lockWaitMs;
    driver.beginTransaction = async (connection: DatabaseConnection) => {
      const deadline = Date.now() + lockWaitMs;
      for (let pause = 1; ; pause = Math.min(pause * 2, LOCK_RETRY_MAX_PAUSE_MS)) {
        try {
          await connection.executeQuery(CompiledQuery.raw('begin immediate'));
          return;
        } catch (error) {
          if ((error as { code?: unknown }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(pause, Math.max(1, deadline - Date.now()))));
      }
    };
    return driver;
  }
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

// int8 (bigint) columns hold millisecond times and counters, far below 2^53: read them as numbers.
const INT8_OID = 20;
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') return (value: string) => Number(value);
    return (pg.types.getTypeParser as (oid: number, format?: string) => unknown)(oid, format);
  },
} as pg.CustomTypesConfig;

async function openPostgres(url: string, options: DatabaseOptions): Promise<Database> {
  const settings: pg.PoolConfig = {
    connectionString: url,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    statement_timeout: options.statementTimeoutMs ?? 30_000,
    // A transaction left open by a stalled instance must not hold its row locks for ever.
    idle_in_transaction_session_timeout: Math.max(60_000, 2 * (options.statementTimeoutMs ?? 30_000)),
    application_name: 'webhook-channel',
    keepAlive: true,
    types: pgTypes,
  };
  const pool = new pg.Pool({ ...settings, max: options.poolSize ?? 10 });
  // A pooled connection that dies while idle (database restarted, network cut) is dropped and
  // replaced on the next checkout; without a listener its error would end the process.
  pool.on('error', (error) => options.onConnectionError?.(error));
  // A connection that dies while checked out (inside a group-commit batch, between two of its
  // statements) also emits 'error': the statement in progress fails and the request answers 503,
  // so the event only needs a listener, or it would end the process.
  pool.on('connect', (client) => client.on('error', (error) => options.onConnectionError?.(error)));
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrate(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return withWrites(db, {
    db,
    dialect: 'postgres',
    async connect() {
      const client = new pg.Client(settings);
      try {
        await client.connect();
      } catch (error) {
        client.end().catch(() => undefined);
        throw error;
      }
      return client;
    },
  });
}

/**
 * Adds the write path: SQLite's group commit (one writer, one fsync per batch), or PostgreSQL's
 * concurrent transactions over the pool (see concurrent-writes.ts for why).
 */
function withWrites(db: Kysely<Schema>, database: Omit<Database, 'writes' | 'close'>, deferredSync?: DeferredSync<Schema>): Database {
  const writes = database.dialect === 'postgres' ? createConcurrentWrites(db) : createGroupCommit(db, { maxBatch: MAX_WRITE_BATCH, deferredSync });
  return {
    ...database,
    writes,
    async close() {
      await writes.close();
      await db.destroy();
    },
  };
}

async function migrate(db: Kysely<Schema>): Promise<void> {
  // Numbers are handed out to parallel lines of work, so one may land after a higher one ran.
  const { error, results } = await new Migrator({ db, provider: migrationProvider, allowUnorderedMigrations: true }).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed: ${(error as Error).message ?? error}`);
  }
}

/**
 * The database holds conversations and (unless SECRETS_KEY seals them) secrets: its file is
 * readable by its owner only (0600), whatever the umask, in a directory made 0700 when this
 * creates it. SQLite gives the -wal and -shm files the database file's mode; files left by an
 * older version are narrowed too.
 */
function createPrivateFile(path: string): void {
  mkdirSync(dirname(resolve(path)), { recursive: true, mode: 0o700 });
  closeSync(openSync(path, 'a', 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(file)) chmodSync(file, 0o600);
}
