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
import { engineOf, type RelaxedCommits } from '../store/database.js';
import type { Schema } from '../store/schema.js';
import { batchedWrites } from './batched-writes.js';

export type { AttemptResult, ClaimedDelivery };

export interface DeliveryStore {
  /**
   * Records `recorded` first (attempts that ended), then claims; resolves once the claim is
   * durable: what it hands out may be sent at once. On SQLite both share one transaction (one
   * commit, and the next message of a conversation an attempt freed is claimable in it); on
   * PostgreSQL each keeps its own, so that a deadlock victim is retried alone.
   */
  claimDueDeliveries(opts: ClaimOptions, recorded?: readonly AttemptResult[]): Promise<ClaimedDelivery[]>;
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
    async claimDueDeliveries(opts, recorded = []) {
      const claim = async (connection: Kysely<Schema>) => {
        if (engineOf(connection) !== 'sqlite') {
          await recordAttempts(connection, recorded);
          return claimDueDeliveries(connection, { ...opts, owner });
        }
        return connection.transaction().execute(async (trx) => {
          await recordAttempts(trx, recorded);
          return claimDueDeliveries(trx, { ...opts, owner });
        });
      };
      const claimed = await run(claim);
      if (claimed.length > 0) await relaxedCommits?.durable();
      return claimed;
    },
    recordAttempt,
    nextDueAt: () => nextDueAt(db),
    countPendingDeliveries: () => countPendingDeliveries(db),
    releaseLeases: () => releaseLeases(db),
  };
}
