/**
 * Commits that return before the disk has them, and the wait for the disk done elsewhere (off
 * the event loop). SQLite's implementation is wal-sync.ts; the group commit (group-commit.ts)
 * and the delivery worker's claims and attempt records (Database.relaxedCommits) use it, so
 * that they do not block the event loop for an fsync, and nothing is answered or sent before
 * the disk has its writes. Every other transaction keeps waiting for the disk inside its own COMMIT.
 */
import type { Kysely } from 'kysely';
import type { Schema } from './schema.js';

/**
 * `relax` runs on a held connection before a transaction's BEGIN, `restore` after its COMMIT or
 * ROLLBACK: in between, commits do not wait for the disk.
 */
export interface DeferredSync<DB = Schema> {
  relax(connection: Kysely<DB>): Promise<void>;
  restore(connection: Kysely<DB>): Promise<void>;
  /** Resolves once everything committed before the call is on disk; rejects if syncing failed. */
  sync(): Promise<void>;
}

/**
 * Runs `work` (which may open transactions) on one connection held from `relax` to `restore`,
 * so no other transaction runs relaxed meanwhile; does not wait for the disk (call `sync`).
 */
export function runRelaxed<T, DB>(db: Kysely<DB>, deferredSync: DeferredSync<DB>, work: (connection: Kysely<DB>) => Promise<T>): Promise<T> {
  return db.connection().execute(async (connection) => {
    await deferredSync.relax(connection);
    try {
      return await work(connection);
    } finally {
      await deferredSync.restore(connection);
    }
  });
}
