/**
 * The instance's heartbeat, on a database several instances share (PostgreSQL): every
 * `intervalMs` it writes that this instance is alive, then frees the leases of any other
 * instance whose heartbeat has not changed for `timeoutMs` and wakes the worker, so the
 * conversations a killed instance had in flight are sent again within about `timeoutMs`, not
 * after their whole lease (35 s by default, and as long as `WEBHOOK_LEASE` says). Every instance
 * does this; freeing the same leases twice is harmless.
 *
 * A heartbeat is the writer's clock, but it is only watched for change: how long one has stood
 * still is counted on the watcher's own clock. Comparing it with the watcher's time instead took
 * a live instance whose clock ran 15 s behind for stopped at every beat, and two instances sent
 * the same conversation at once. The price: a watcher that starts sees a stopped instance only
 * `timeoutMs` after its own start.
 *
 * The price of a short timeout: an instance that cannot write its heartbeat for `timeoutMs`
 * (frozen, or cut off from the database) is taken for stopped while it may still have attempts
 * in flight, and those are sent again by another instance (at least once, as after a lease that
 * ran out). When it beats again it says so in the log and carries on; its late answers never
 * release a lease that is not its own (see recordAttempts).
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { InstanceHeartbeat } from '../store/index.js';

/** The store operations of the heartbeat, bound to this instance. */
export interface HeartbeatStore {
  /** Records this instance alive at `now`; `revived` when the others had taken it for stopped. */
  beat(now: number, first: boolean): Promise<'alive' | 'revived'>;
  /** The other instances' latest heartbeats, as each wrote it. */
  others(): Promise<InstanceHeartbeat[]>;
  /** Frees the leases of these instances unless they beat since (their heartbeat changed); answers how many. */
  releaseStopped(stopped: readonly InstanceHeartbeat[]): Promise<number>;
  /** This instance stops for good: frees its leases. */
  remove(): Promise<number>;
}

export interface HeartbeatOptions {
  store: HeartbeatStore;
  clock: Clock;
  logger: Logger;
  intervalMs: number;
  /** A heartbeat that has not changed for this long (on this instance's clock) marks its instance stopped. */
  timeoutMs: number;
  /** Leases were freed: their conversations can be claimed now. */
  onFreed(): void;
}

export interface Heartbeat {
  /** Stops beating (the instance's row stays until `leave`, or until the others see it stale). */
  stop(): Promise<void>;
  /** Frees every lease this instance still holds and forgets it; call after the worker stopped. */
  leave(): Promise<void>;
}

/** Beats at once, then every `intervalMs`; never keeps the process alive on its own. */
export function startHeartbeat(options: HeartbeatOptions): Heartbeat {
  const { store, clock, logger, intervalMs, timeoutMs } = options;
  let first = true;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  /** Each other instance's heartbeat as last seen, and since when (this instance's clock) it has not changed. */
  const seen = new Map<string, { heartbeatAt: number; since: number }>();

  /** The instances whose heartbeat stood still for `timeoutMs`; forgets those that are gone. */
  const stoppedOthers = (others: readonly InstanceHeartbeat[], now: number): InstanceHeartbeat[] => {
    const stopped: InstanceHeartbeat[] = [];
    for (const other of others) {
      const last = seen.get(other.id);
      if (!last || last.heartbeatAt !== other.heartbeatAt) seen.set(other.id, { heartbeatAt: other.heartbeatAt, since: now });
      else if (now - last.since >= timeoutMs) stopped.push(other);
    }
    const listed = new Set(others.map((o) => o.id));
    for (const id of seen.keys()) if (!listed.has(id)) seen.delete(id);
    return stopped;
  };

  const tick = async () => {
    try {
      const state = await store.beat(clock.now(), first);
      first = false;
      if (state === 'revived') logger.warn({ timeoutMs }, 'this instance was taken for stopped (no heartbeat for too long): its leases were freed and its attempts in flight may be sent again');
      const stopped = stoppedOthers(await store.others(), clock.now());
      const freed = stopped.length === 0 ? 0 : await store.releaseStopped(stopped);
      // Released (or it beat meanwhile): if it is still listed, it gets a whole timeout again.
      for (const { id } of stopped) seen.delete(id);
      if (freed > 0) {
        logger.info({ freed }, 'freed the leases of an instance whose heartbeat stopped: their conversations are sent again now');
        options.onFreed();
      }
    } catch (error) {
      logger.warn({ err: error }, 'instance heartbeat failed; trying again');
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick().finally(schedule);
    }, intervalMs);
    timer.unref();
  };
  running = tick().finally(schedule);

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
    async leave() {
      try {
        const freed = await store.remove();
        if (freed > 0) logger.info({ freed }, 'freed the leases of the attempts stopped by the shutdown: other instances send them now');
      } catch (error) {
        logger.warn({ err: error }, 'freeing this instance’s leases at shutdown failed; they run out instead');
      }
    },
  };
}
