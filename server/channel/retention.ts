/**
 * Retention: what the store keeps, and for how long. Delivered deliveries and their attempts go
 * after `deliveryRetentionMs` (failed and pending ones stay: they are still to be redelivered or
 * sent), and so does the event log (the event stream's); the conversations' history goes after
 * `historyRetentionMs` (a message with a delivery left stays with it); replaced signing secrets
 * go when their grace period ends. Purged at start and then hourly, in small batches, each its own short
 * transaction, yielding between batches so that sends are not held up behind a long delete.
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { purgeDeliveredDeliveries, purgeExpiredSecrets, purgeOldEvents, purgeOldMessages, type Db } from '../store/index.js';

export const RETENTION_INTERVAL_MS = 3_600_000;
export const RETENTION_BATCH = 500;

export interface RetentionPolicy {
  deliveryRetentionMs: number;
  historyRetentionMs: number;
}

/** One pass: purges until nothing past its age is left. Answers what went. */
export async function purgeExpired(
  db: Db,
  clock: Clock,
  policy: RetentionPolicy,
  batch = RETENTION_BATCH,
): Promise<{ deliveries: number; messages: number; events: number; secrets: number }> {
  let deliveries = 0;
  let messages = 0;
  let events = 0;
  for (;;) {
    const deleted = await purgeDeliveredDeliveries(db, { before: clock.now() - policy.deliveryRetentionMs, limit: batch });
    deliveries += deleted;
    if (deleted < batch) break;
    await new Promise((resolve) => setImmediate(resolve));
  }
  for (;;) {
    const deleted = await purgeOldMessages(db, { before: clock.now() - policy.historyRetentionMs, limit: batch });
    messages += deleted;
    if (deleted < batch) break;
    await new Promise((resolve) => setImmediate(resolve));
  }
  for (;;) {
    const deleted = await purgeOldEvents(db, { before: clock.now() - policy.deliveryRetentionMs, limit: batch });
    events += deleted;
    if (deleted < batch) break;
    await new Promise((resolve) => setImmediate(resolve));
  }
  // Replaced signing secrets whose grace period ended: a handful per channel at most, one statement.
  const secrets = await purgeExpiredSecrets(db, { now: clock.now() });
  return { deliveries, messages, events, secrets };
}

/** Runs `purgeExpired` now and every `intervalMs`; `stop` waits for a pass under way. */
export function startRetention(
  deps: { db: Db; clock: Clock; logger: Logger; policy: RetentionPolicy },
  intervalMs = RETENTION_INTERVAL_MS,
): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const pass = () => {
    running = running.then(() =>
      purgeExpired(deps.db, deps.clock, deps.policy).then(
        (purged) => {
          if (purged.deliveries + purged.messages + purged.events + purged.secrets > 0) {
            deps.logger.info(purged, 'retention: purged delivered deliveries, old history, old events and expired signing secrets');
          }
        },
        (error) => deps.logger.warn({ err: error }, 'retention purge failed; trying again later'),
      ),
    );
  };
  pass();
  // Never keeps the process alive on its own.
  const timer = setInterval(pass, intervalMs).unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
