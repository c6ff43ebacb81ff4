/**
 * One server process per SQLite file. A second instance on the same file would break what the
 * first relies on: it frees every delivery lease at start (safe only when it owns them all), and
 * two workers would each take the other's conversations. So the server takes `<file>.lock` (its
 * pid inside) at start and refuses to start while a live process holds it; a lock left by a
 * process that died (SIGKILL, power loss) is taken over. Several instances: use PostgreSQL.
 * Other tools (the token CLI) may still open the file while the server runs: SQLite's own
 * locking and the busy timeout keep their writes safe.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Another live server process owns the SQLite file. */
export class StoreInUseError extends Error {}

export interface SqliteFileLock {
  release(): void;
}

/** @throws StoreInUseError naming the process that holds the file. */
export function lockSqliteFile(path: string): SqliteFileLock {
  const lockPath = `${resolve(path)}.lock`;
  mkdirSync(dirname(lockPath), { recursive: true, mode: 0o700 }); // the store's folder: owner only, as the database files
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return { release: () => releaseIfOurs(lockPath) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readHolder(lockPath);
    if (holder !== undefined && holder !== process.pid && isAlive(holder)) {
      throw new StoreInUseError(
        `the SQLite file ${resolve(path)} is in use by another webhook-channel process (pid ${holder}). ` +
          'SQLite serves one process; to run several instances, use PostgreSQL (DATABASE_URL=postgres://…).',
      );
    }
    // Left by a process that is gone (or by this one): take it over.
    rmSync(lockPath, { force: true });
  }
  throw new StoreInUseError(`could not take ${lockPath}: another process keeps taking it`);
}

function readHolder(lockPath: string): number | undefined {
  try {
    const pid = Number(readFileSync(lockPath, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: only asks whether the process exists
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by another user
  }
}

function releaseIfOurs(lockPath: string): void {
  if (readHolder(lockPath) === process.pid) rmSync(lockPath, { force: true });
}
