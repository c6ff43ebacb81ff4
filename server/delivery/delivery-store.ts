/**
 * The store operations the worker needs, bound to a database. The worker takes this object
 * rather than a database, so its loop can also be driven by an in-memory stand-in.
 */
import type { Kysely } from 'kysely';
import { claimDueDeliveries, type ClaimedDelivery } from '../store/claim-due-deliveries.js';
import { countPendingDeliveries } from '../store/count-pending-deliveries.js';
import { disableChannel } from '../store/disable-channel.js';
import { nextDueAt } from '../store/next-due-at.js';
import { recordAttempts, type AttemptResult } from '../store/record-attempt.js';
import type { Schema } from '../store/schema.js';
import { batchedWrites } from './batched-writes.js';

export type { AttemptResult, ClaimedDelivery };

export interface DeliveryStore {
  claimDueDeliveries(opts: { now: number; leaseMs: number; limit: number }): Promise<ClaimedDelivery[]>;
  recordAttempt(attempt: AttemptResult): Promise<void>;
  disableChannel(botId: string, reason: string, now: number): Promise<void>;
  nextDueAt(): Promise<number | null>;
  countPendingDeliveries(): Promise<number>;
}

export function deliveryStore(db: Kysely<Schema>): DeliveryStore {
  // Attempts that end together are recorded together: one commit for many deliveries.
  const recordAttempt = batchedWrites<AttemptResult>((attempts) => recordAttempts(db, attempts));
  return {
    claimDueDeliveries: (opts) => claimDueDeliveries(db, opts),
    recordAttempt,
    disableChannel: (botId, reason, now) => disableChannel(db, botId, reason, now),
    nextDueAt: () => nextDueAt(db),
    countPendingDeliveries: () => countPendingDeliveries(db),
  };
}
