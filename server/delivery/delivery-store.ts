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
import type { Schema } from '../store/schema.js';
import { batchedWrites } from './batched-writes.js';

export type { AttemptResult, ClaimedDelivery };

export interface DeliveryStore {
  claimDueDeliveries(opts: ClaimOptions): Promise<ClaimedDelivery[]>;
  /** Resolves once the attempt is committed; attempts recorded meanwhile share a transaction. */
  recordAttempt(attempt: AttemptResult): Promise<void>;
  nextDueAt(): Promise<number | null>;
  countPendingDeliveries(): Promise<number>;
  /** Frees every lease (a store one process owns, at its start); answers how many. */
  releaseLeases(): Promise<number>;
}

/** `owner`: this instance's id, written on the leases it takes (see `ClaimOptions.owner`). */
export function deliveryStore(db: Kysely<Schema>, { owner }: { owner?: string } = {}): DeliveryStore {
  // Attempts that end together are recorded together: one commit for many deliveries.
  const recordAttempt = batchedWrites<AttemptResult>((attempts) => recordAttempts(db, attempts));
  return {
    claimDueDeliveries: (opts) => claimDueDeliveries(db, { ...opts, owner }),
    recordAttempt,
    nextDueAt: () => nextDueAt(db),
    countPendingDeliveries: () => countPendingDeliveries(db),
    releaseLeases: () => releaseLeases(db),
  };
}
