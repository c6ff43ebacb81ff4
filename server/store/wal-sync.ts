/**
 * Durability of SQLite commits off the event loop. better-sqlite3 runs on the main thread, so a
 * COMMIT under `synchronous=FULL` blocks the event loop for its fsync of the WAL (about 1 ms here).
 * The group commit's batches instead commit under `synchronous=NORMAL`, which in WAL mode writes
 * the batch to the WAL file (into the OS's cache) without syncing it, and this syncs the WAL file
 * with fdatasync on libuv's thread pool; the batch's requests are answered only after that. What
 * a 202 promises is the same as with FULL: the WAL frames of the batch are on disk.
 *
 * Why this is as safe as FULL for everything else:
 * - Every other transaction still commits under FULL, and its sync covers the whole WAL file,
 *   relaxed batches before it included. The delivery worker's claims and attempt records commit
 *   relaxed too (`Database.relaxedCommits`), and a claim's deliveries are sent only after a sync
 *   that follows its commit, so no webhook ever announces a message a power loss could take back.
 * - NORMAL still syncs the WAL before a checkpoint copies it into the database, and the database
 *   before the WAL is reused, so a frame is on disk in one of the two whenever it leaves the other.
 * - SQLite deletes the WAL file only when the last connection closes: the descriptor opened
 *   here stays the WAL's while the server runs; one found unlinked is reopened.
 * @see https://www.sqlite.org/pragma.html#pragma_synchronous
 * @see https://www.sqlite.org/wal.html
 */
import { open, type FileHandle } from 'node:fs/promises';
import { sql, type Kysely } from 'kysely';
import type { DeferredSync } from './deferred-sync.js';

/** A {@link DeferredSync} for the SQLite database at `path` (in WAL mode): also `close()` at the end. */
export function walSync<DB>(path: string): DeferredSync<DB> & { close(): Promise<void> } {
  const walPath = `${path}-wal`;
  let file: FileHandle | undefined;
  let inFlight: Promise<void> | undefined;
  let next: Promise<void> | undefined;

  async function syncNow(): Promise<void> {
    if (file && (await file.stat()).nlink === 0) {
      await file.close();
      file = undefined;
    }
    // The WAL exists once anything was committed; 'r+' because fsync on a read-only descriptor is Linux's courtesy, not POSIX's.
    if (!file) {
      try {
        file = await open(walPath, 'r+');
      } catch (error) {
        // No WAL file: nothing was written since the last connection checkpointed and removed it.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
    }
    await file.datasync();
  }

  // One fdatasync at a time. A sync already running may have started before the caller's
  // commit, so the caller waits for the next one, which every caller meanwhile shares.
  function sync(): Promise<void> {
    if (!inFlight) {
      inFlight = syncNow().finally(() => (inFlight = undefined));
      return inFlight;
    }
    const again = () => ((next = undefined), sync());
    next ??= inFlight.then(again, again);
    return next;
  }

  return {
    relax: (connection: Kysely<DB>) => sql`PRAGMA synchronous = NORMAL`.execute(connection).then(() => undefined),
    restore: (connection: Kysely<DB>) => sql`PRAGMA synchronous = FULL`.execute(connection).then(() => undefined),
    sync,
    async close() {
      await inFlight?.catch(() => undefined);
      await next?.catch(() => undefined);
      await file?.close();
      file = undefined;
    },
  };
}
