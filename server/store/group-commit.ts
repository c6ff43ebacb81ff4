/**
 * Group commit: units of write work that arrive while the store is busy share the next
 * transaction, and so its one commit (one fsync with `synchronous=FULL`). A commit costs about
 * 1 ms on a local disk whatever it holds, so committing one request at a time caps the write
 * path near 1,000 requests/s; a batch of N pays that millisecond once.
 *
 * Each unit runs in a SAVEPOINT of its own, in the order submitted, so it sees the writes of the
 * units before it (two messages of one conversation apply in arrival order) and a unit that
 * throws rolls back alone: its caller gets its error, the rest of the batch commits.
 * A unit's promise settles only after the batch's COMMIT returned (its writes are durable);
 * if the COMMIT itself fails, every unit of the batch gets that error and nothing was written.
 *
 * Plain Kysely (SAVEPOINT, RELEASE, ROLLBACK TO) on one connection: the same on SQLite and
 * PostgreSQL. Units must only touch the store: a unit that awaits something slow holds the
 * whole batch, and everyone queued behind it.
 *
 * With `deferredSync` (SQLite, see database.ts), a batch's COMMIT returns before the disk has
 * its writes and the next batch runs at once, while a sync off the event loop makes them
 * durable; the batch's units settle only after that sync. On a synchronous driver, waiting for
 * the disk inside COMMIT (about 1 ms) blocked the event loop: a sixth of the accept path's time.
 */
import type { Kysely, Transaction } from 'kysely';
import { runRelaxed, type DeferredSync } from './deferred-sync.js';
import type { Schema } from './schema.js';

/** One unit of write work, run inside the shared transaction. */
export type WriteUnit<T, DB = Schema> = (trx: Transaction<DB>) => Promise<T>;

export interface GroupCommit<DB = Schema> {
  /**
   * Runs `unit` in the next batch; resolves with its result once the batch has committed.
   * @throws what `unit` threw (its writes rolled back, not the batch's), or the commit's error.
   */
  run<T>(unit: WriteUnit<T, DB>): Promise<T>;
  /** Units queued or running right now (a measure of how far the store is behind). */
  pending(): number;
  /** Resolves once every unit submitted so far has settled; later `run` calls are refused. */
  close(): Promise<void>;
}

export interface GroupCommitOptions<DB = Schema> {
  /**
   * The most units in one transaction. A batch holds the connection until it commits, so this
   * bounds how long reads (and, on a synchronous driver, the event loop) wait behind it.
   */
  maxBatch: number;
  /** Commits that return before the disk has them, made durable by `sync` before units settle. */
  deferredSync?: DeferredSync<DB>;
}

interface Queued<DB> {
  unit: WriteUnit<unknown, DB>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** The savepoint is released after each unit, so one name serves them all. */
const SAVEPOINT = 'unit';

export function createGroupCommit<DB = Schema>(db: Kysely<DB>, options: GroupCommitOptions<DB>): GroupCommit<DB> {
  const queue: Queued<DB>[] = [];
  /** Units taken from the queue and not settled yet (running, or waiting for their sync). */
  let running = 0;
  let flushing = false;
  let closed = false;
  let idle: (() => void) | undefined;

  // Started from setImmediate, after the poll phase: requests whose bytes arrived while the
  // previous batch committed have been read and queued by then, and join this batch.
  const schedule = () => {
    if (flushing || queue.length === 0) {
      if (!flushing && queue.length === 0 && running === 0) idle?.();
      return;
    }
    flushing = true;
    setImmediate(() => {
      void flush().finally(() => {
        flushing = false;
        schedule();
      });
    });
  };

  async function flush(): Promise<void> {
    const batch = queue.splice(0, options.maxBatch);
    running += batch.length;
    const settle = (outcomes: Outcome[]) => {
      running -= batch.length;
      batch.forEach((queued, i) => {
        const outcome = outcomes[i]!;
        if (outcome.ok) queued.resolve(outcome.value);
        else queued.reject(outcome.error);
      });
      if (!flushing && queue.length === 0 && running === 0) idle?.();
    };
    let outcomes: Outcome[];
    try {
      const { deferredSync } = options;
      // On a connection held from relax to restore, so no other transaction runs relaxed.
      outcomes = await (deferredSync ? runRelaxed(db, deferredSync, (connection) => commitBatch(connection, batch)) : commitBatch(db, batch));
    } catch (error) {
      return settle(batch.map(() => ({ ok: false, error })));
    }
    if (!options.deferredSync) return settle(outcomes);
    // Not awaited: the next batch commits while this one's sync runs. A failed sync fails the
    // units that had succeeded (their writes may not be on disk), not those that failed anyway.
    options.deferredSync.sync().then(
      () => settle(outcomes),
      (error: unknown) => settle(outcomes.map((outcome) => (outcome.ok ? { ok: false, error } : outcome))),
    );
  }

  return {
    run<T>(unit: WriteUnit<T, DB>): Promise<T> {
      if (closed) return Promise.reject(new Error('the store is closing: no more writes are taken'));
      return new Promise<T>((resolve, reject) => {
        queue.push({ unit: unit as WriteUnit<unknown, DB>, resolve: resolve as (value: unknown) => void, reject });
        schedule();
      });
    },
    pending: () => queue.length + running,
    close() {
      closed = true;
      if (!flushing && queue.length === 0 && running === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        idle = resolve;
      });
    },
  };
}

/** One transaction for the batch, one savepoint per unit; throws only if the transaction itself fails. */
async function commitBatch<DB>(db: Kysely<DB>, batch: Queued<DB>[]): Promise<Outcome[]> {
  const trx = await db.startTransaction().execute();
  const outcomes: Outcome[] = [];
  try {
    for (const queued of batch) {
      const unit = await trx.savepoint(SAVEPOINT).execute();
      try {
        const value = await queued.unit(unit);
        await unit.releaseSavepoint(SAVEPOINT).execute();
        outcomes.push({ ok: true, value });
      } catch (error) {
        await unit.rollbackToSavepoint(SAVEPOINT).execute();
        await unit.releaseSavepoint(SAVEPOINT).execute();
        outcomes.push({ ok: false, error });
      }
    }
    await trx.commit().execute();
  } catch (error) {
    await trx.rollback().execute().catch(() => undefined);
    throw error;
  }
  return outcomes;
}
