/**
 * Turns a write of many items into a write of one that callers can await, grouping the calls
 * that arrive while a write is under way into the next one. Idle, the write starts once the
 * current turn of the event loop has run (`setImmediate`): the answers read in one pass over the
 * sockets each call from a microtask of their own, and SQLite commits synchronously, so starting
 * at the first call would commit (and fsync) each attempt alone. Busy, one transaction carries
 * everything that came meanwhile.
 */
export function batchedWrites<T>(writeAll: (items: T[]) => Promise<void>): (item: T) => Promise<void> {
  let queued: Array<{ item: T; resolve: () => void; reject: (error: unknown) => void }> = [];
  let writing = false;

  async function drain(): Promise<void> {
    writing = true;
    while (queued.length > 0) {
      const batch = queued;
      queued = [];
      try {
        await writeAll(batch.map((entry) => entry.item));
        for (const entry of batch) entry.resolve();
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    writing = false;
  }

  return (item) =>
    new Promise<void>((resolve, reject) => {
      queued.push({ item, resolve, reject });
      if (!writing) {
        writing = true;
        setImmediate(() => void drain());
      }
    });
}
