/**
 * Backpressure: a bot whose active channel has more deliveries due than its receiver takes in
 * time gets 429 with Retry-After on its sends, instead of answers that arrive later and later.
 * Only that bot: the backlog is counted per channel. A bot with no channel, or a disabled one,
 * is not held back: its messages are kept until a channel is configured, however many.
 *
 * The count is read at most every `refreshMs` per bot (a bounded index count), so a burst of
 * sends costs one count, not one each; between counts the answer may be up to `refreshMs` late.
 */
import type { Clock } from '../clock.js';
import { Problem } from '../problem.js';
import { countDueDeliveries, findChannel, type Db } from '../store/index.js';

export interface BacklogGuard {
  /** @throws Problem 429 `backlog-full` with Retry-After while the bot's active channel is over the bound. */
  check(botId: string): Promise<void>;
}

export interface BacklogGuardOptions {
  db: Db;
  clock: Clock;
  /** Deliveries due for one active channel past which its bot's sends are refused. */
  limit: number;
  /** How long one count is trusted, in ms. */
  refreshMs: number;
  /** What Retry-After tells a refused client, in seconds. */
  retryAfterSeconds: number;
}

interface Reading {
  at: number;
  due: number;
  /** The count in progress, shared by the sends that arrive meanwhile. */
  pending?: Promise<void>;
}

export function createBacklogGuard(options: BacklogGuardOptions): BacklogGuard {
  const readings = new Map<string, Reading>();

  async function refresh(botId: string, reading: Reading): Promise<void> {
    const now = options.clock.now();
    const channel = await findChannel(options.db, botId);
    // Counting one past the bound is enough to know it is passed.
    reading.due = channel?.status === 'active' ? await countDueDeliveries(options.db, botId, now, options.limit + 1) : 0;
    reading.at = now;
  }

  return {
    async check(botId) {
      let reading = readings.get(botId);
      if (!reading) {
        reading = { at: -Infinity, due: 0 };
        readings.set(botId, reading);
      }
      if (options.clock.now() - reading.at >= options.refreshMs) {
        const current = reading;
        current.pending ??= refresh(botId, current).finally(() => {
          current.pending = undefined;
        });
        await current.pending;
      }
      if (reading.due > options.limit) {
        throw Problem.backlogFull(botId, options.limit, options.retryAfterSeconds);
      }
    },
  };
}
