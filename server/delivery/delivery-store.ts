/**
 * The store operations the worker needs, bound to a database. The worker takes this object
 * rather than a database, so its loop can also be driven by an in-memory stand-in, and another
 * engine can bind its own variants behind the same names.
 */
import type { Kysely } from 'kysely';
import { claimDueDeliveries, type ClaimedDelivery, type ClaimOptions } from '../store/claim-due-deliveries.js';
import { countPendingDeliveries } from '../store/count-pending-deliveries.js';
import { nextDueAt } from '../store/next-due-at.js';
import { recordAttempts, type AttemptResult } from '../store/record-attempt.js';
import { releaseLeases } from '../store/release-leases.js';
import type { RelaxedCommits } from '../store/database.js';
import type { Schema } from '../store/schema.js';
import { batchedWrites } from './batched-writes.js';

export type { AttemptResult, ClaimedDelivery };

export interface DeliveryStore {
  /** Resolves once the claim is durable: what it hands out may be sent at once. */
  claimDueDeliveries(opts: ClaimOptions): Promise<ClaimedDelivery[]>;
  /** Resolves once the attempt is committed; attempts recorded meanwhile share a transaction. */
  recordAttempt(attempt: AttemptResult): Promise<void>;
  nextDueAt(): Promise<number | null>;
  countPendingDeliveries(): Promise<number>;
  /** Frees every lease (a store one process owns, at its start); answers how many. */
  releaseLeases(): Promise<number>;
}

export interface DeliveryStoreOptions {
  /** This instance's id, written on the leases it takes (see `ClaimOptions.owner`). */
  owner?: string;
  /**
   * The database's relaxed commits (SQLite on a file): claims and attempt records then commit
   * without holding the event loop for the disk, and a claim resolves only once it, and
   * everything committed before it, is durable. So no webhook goes out before the accept that
   * queued it and the attempts before it are on disk, as with a synchronous commit each.
   */
  relaxedCommits?: RelaxedCommits;
}

export function deliveryStore(db: Kysely<Schema>, { owner, relaxedCommits }: DeliveryStoreOptions = {}): DeliveryStore {
  const run = <T>(work: (connection: Kysely<Schema>) => Promise<T>): Promise<T> => (relaxedCommits ? relaxedCommits.run(work) : work(db));
  // Attempts that end together are recorded together: one commit for many deliveries.
  const recordAttempt = batchedWrites<AttemptResult>((attempts) => run((connection) => recordAttempts(connection, attempts)));
  return {
    async claimDueDeliveries(opts) {
      const claimed = await run((connection) => claimDueDeliveries(connection, { ...opts, owner }));
      if (claimed.length > 0) await relaxedCommits?.durable();
      return claimed;
    },
    recordAttempt,
    nextDueAt: () => nextDueAt(db),
    countPendingDeliveries: () => countPendingDeliveries(db),
    releaseLeases: () => releaseLeases(db),
  };
}
