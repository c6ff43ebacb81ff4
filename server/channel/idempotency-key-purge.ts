/**
 * Forgets idempotency keys past their time to live, at start and then periodically, so the
 * table holds about one day of sends rather than all of them. Lookups already ignore expired keys.
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { deleteExpiredIdempotencyKeys, type Db } from '../store/index.js';

export const IDEMPOTENCY_PURGE_INTERVAL_MS = 3_600_000;

export function startIdempotencyKeyPurge(
  deps: { db: Db; clock: Clock; logger: Logger },
  intervalMs = IDEMPOTENCY_PURGE_INTERVAL_MS,
): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const purge = () => {
    running = deleteExpiredIdempotencyKeys(deps.db, deps.clock.now()).then(
      (deleted) => {
        if (deleted > 0) deps.logger.debug({ deleted }, 'expired idempotency keys deleted');
      },
      (error) => deps.logger.warn({ err: error }, 'deleting expired idempotency keys failed; trying again later'),
    );
  };
  purge();
  // Never keeps the process alive on its own.
  const timer = setInterval(purge, intervalMs).unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
