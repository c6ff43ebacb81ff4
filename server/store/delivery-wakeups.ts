/**
 * Wake-ups across instances (PostgreSQL): an instance that queues deliveries notifies the
 * channel `webhook_channel_deliveries` in the same transaction (`enqueueDeliveries`), and every
 * instance listens on a connection of its own, so work accepted anywhere is claimed at once.
 * The delivery worker still polls, so a lost notification (the listener reconnecting, the
 * database restarting) delays work by at most one poll, never loses it.
 * @see https://www.postgresql.org/docs/current/sql-notify.html
 */
import type pg from 'pg';
import type { Database } from './database.js';

export const DELIVERIES_CHANNEL = 'webhook_channel_deliveries';

export interface DeliveryWakeups {
  close(): Promise<void>;
}

export interface ListenOptions {
  /** Called on each notification, and after each reconnection (notifications may have been missed). */
  onWake(): void;
  /** Told when the listening connection is lost; it reconnects by itself. */
  onError?(error: Error): void;
  /** Waits between reconnection tries, growing to `maxRetryMs`. Defaults 100 ms and 5 s. */
  minRetryMs?: number;
  maxRetryMs?: number;
}

/** Listens while the server runs; on SQLite (one process) there is nobody else to hear from, so it does nothing. */
export async function listenForDeliveries(database: Database, options: ListenOptions): Promise<DeliveryWakeups> {
  const connect = database.connect;
  if (database.dialect !== 'postgres' || !connect) return { close: async () => undefined };
  const minRetryMs = options.minRetryMs ?? 100;
  const maxRetryMs = options.maxRetryMs ?? 5_000;
  let client: pg.Client | undefined;
  let closed = false;
  let retryMs = minRetryMs;
  let timer: NodeJS.Timeout | undefined;

  const lost = (error: Error) => {
    if (closed || timer) return; // an 'error' and an 'end' for the same loss: reconnect once
    options.onError?.(error);
    const dead = client;
    client = undefined;
    dead?.removeAllListeners('notification');
    dead?.end().catch(() => undefined);
    timer = setTimeout(() => {
      timer = undefined;
      void open();
    }, retryMs);
    retryMs = Math.min(retryMs * 2, maxRetryMs);
  };

  async function open(): Promise<void> {
    if (closed) return;
    let next: pg.Client | undefined;
    try {
      next = await connect!();
      next.on('error', lost);
      next.on('end', () => lost(new Error('the listening connection ended')));
      next.on('notification', () => options.onWake());
      await next.query(`LISTEN ${DELIVERIES_CHANNEL}`);
      if (closed) {
        await next.end();
        return;
      }
      client = next;
      retryMs = minRetryMs;
      options.onWake(); // whatever was queued while we were not listening
    } catch (error) {
      next?.removeAllListeners();
      next?.end().catch(() => undefined);
      lost(error as Error);
    }
  }

  await open();
  return {
    async close() {
      closed = true;
      clearTimeout(timer);
      const open = client;
      client = undefined;
      if (open) {
        open.removeAllListeners();
        open.on('error', () => undefined);
        await open.end().catch(() => undefined);
      }
    },
  };
}
