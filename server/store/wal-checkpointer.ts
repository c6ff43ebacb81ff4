/**
 * Checkpoints of SQLite's WAL, off the event loop. SQLite copies the WAL back into the database
 * file (a checkpoint) on the connection whose commit passes `wal_autocheckpoint` pages, and a
 * checkpoint syncs the WAL and the database file: on better-sqlite3 that is the main thread,
 * stalled 5-60 ms several times a second under load (measured: 37 of 618 commits over 5 ms, 66 %
 * of all commit time). Here a worker thread with a connection of its own runs a PASSIVE
 * checkpoint (it never waits for, nor blocks, the writer or readers) every `everyMs`, so the main
 * connection's WAL is reset before it reaches its own, raised, threshold (kept as a safety net).
 * @see https://www.sqlite.org/wal.html#checkpointing
 * @see https://www.sqlite.org/pragma.html#pragma_wal_checkpoint
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Runs in the worker (CommonJS, evaluated): the driver comes by absolute path, as its cwd may be anywhere. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) });
  }
}, workerData.everyMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface WalCheckpointer {
  /** Stops the worker after its checkpoint in progress, closing its connection. */
  stop(): Promise<void>;
}

/**
 * Starts checkpointing the database at `path` (WAL mode) every `everyMs`. `onError` hears of a
 * failed checkpoint (the main connection's own threshold then still bounds the WAL).
 */
export function startWalCheckpointer(path: string, { everyMs, onError }: { everyMs: number; onError?(message: string): void }): WalCheckpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, path, everyMs } });
  // A checkpointer must never keep the process alive, nor take it down.
  worker.unref();
  worker.on('message', (message: { error?: string }) => message.error && onError?.(message.error));
  worker.on('error', (error) => onError?.(error.message));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    async stop() {
      // Referenced again while it stops: a process with nothing else left (the token CLI) must
      // wait for the exit, or its top-level await never settles (exit code 13).
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
