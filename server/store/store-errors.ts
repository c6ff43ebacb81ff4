/**
 * The store's failures that are not bugs, told apart by what the caller does about them:
 * a write conflict is retried (the transaction runs again on fresh state), an unavailable store
 * is answered 503 with Retry-After (nothing was written; the client tries again).
 */

/**
 * Another transaction won a race the database settled for us: PostgreSQL's serialization
 * failure (40001) or deadlock victim (40P01), a unique key taken by a concurrent insert (23505),
 * or SQLite's lock held by another process past the busy timeout. Run the transaction again.
 * @see https://www.postgresql.org/docs/current/mvcc-serialization-failure-handling.html
 */
export function isWriteConflict(error: unknown): boolean {
  if (error instanceof WriteConflictError) return true;
  const code = errorCode(error);
  return code === '40001' || code === '40P01' || code === '23505';
}

/** A write lost a race to a concurrent one (the same conversation, the same idempotency key): run it again. */
export class WriteConflictError extends Error {}

/** How many times a transaction that lost a race is run again before its error is the caller's. */
export const WRITE_CONFLICT_RETRIES = 5;

/**
 * Runs `transaction` (a whole transaction, not a statement inside one) again while it loses a
 * race ({@link isWriteConflict}), up to {@link WRITE_CONFLICT_RETRIES} more times: what the
 * README promises, "a transaction that loses a race is run again, never answered 500".
 *
 * @example await retryWriteConflicts(() => deleteChannelOnce(db, botId))
 */
export async function retryWriteConflicts<T>(transaction: () => Promise<T>): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await transaction();
    } catch (error) {
      if (!isWriteConflict(error) || retry >= WRITE_CONFLICT_RETRIES) throw error;
    }
  }
}

/**
 * The database cannot be reached or cannot serve right now: a refused or lost connection, a
 * connect or statement timeout, PostgreSQL shutting down or starting (57P0x), a connection
 * exception (class 08), too many connections (53300), or SQLite's file locked by another process
 * for longer than the busy timeout. Nothing of the request was committed.
 */
export function isStoreUnavailable(error: unknown): boolean {
  const code = errorCode(error);
  if (code && NETWORK_CODES.has(code)) return true;
  if (code && (code.startsWith('08') || code.startsWith('57P') || code === '57014' || code === '53300')) return true;
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || code === 'SQLITE_BUSY_SNAPSHOT') return true;
  const message = error instanceof Error ? error.message : '';
  // node-postgres reports these as plain Errors without a code.
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection terminated due to connection timeout|the database system is (starting up|shutting down)/i.test(message);
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
