/**
 * Turns a write of many items into a write of one that callers can await, grouping the calls
 * that arrive while a write is under way into the next one. Idle, a call is written at once;
 * busy (the SQLite connection taken by accepts), one transaction carries many attempts instead
 * of each waiting its turn for a commit of its own.
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
      if (!writing) void drain();
    });
}
