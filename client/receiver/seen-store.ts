/**
 * Remembers which `webhook-id`s were handled, so a delivery sent again (the sender retries until
 * it sees a 2xx, and a redelivery keeps the id) is acknowledged without being handled twice.
 *
 * @see https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#verifying-signatures
 *   ("Use the `webhook-id` header as an idempotency key")
 */

/** Where handled ids are kept. Back it with Redis or your database when you run several instances. */
export interface SeenStore {
  has(webhookId: string): boolean | Promise<boolean>;
  add(webhookId: string): void | Promise<void>;
}

export interface MemorySeenStoreOptions {
  /** At most this many ids are kept; the oldest go first. Default 10 000. */
  maxEntries?: number;
  /** An id is forgotten after this long. Default 72 hours, longer than the sender's retry schedule (~28 h). */
  ttlMs?: number;
  /** The clock, in milliseconds. */
  now?: () => number;
}

const DEFAULT_MAX_ENTRIES = 10_000;
const DEFAULT_TTL_MS = 72 * 60 * 60 * 1000;

/**
 * A seen-store in memory, bounded in size and age: right for one process.
 *
 * @example
 * nodeWebhookHandler({ secret, onMessage, seenStore: memorySeenStore({ maxEntries: 50_000 }) });
 */
export function memorySeenStore(options: MemorySeenStoreOptions = {}): SeenStore {
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  const now = options.now ?? Date.now;
  if (!(maxEntries >= 1) || !(ttlMs > 0)) throw new RangeError('maxEntries must be at least 1 and ttlMs positive.');
  // Insertion order is age order: the first entries are the oldest.
  const seenAt = new Map<string, number>();

  function evict(at: number): void {
    for (const [id, time] of seenAt) {
      if (seenAt.size <= maxEntries && at - time < ttlMs) break;
      seenAt.delete(id);
    }
  }

  return {
    has(webhookId) {
      const time = seenAt.get(webhookId);
      return time !== undefined && now() - time < ttlMs;
    },
    add(webhookId) {
      const at = now();
      seenAt.delete(webhookId);
      seenAt.set(webhookId, at);
      evict(at);
    },
  };
}
