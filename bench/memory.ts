/**
 * Memory of this process (the bench runs the server in-process), read after a full garbage
 * collection so that what remains is what is still referenced: growth between two snapshots
 * taken after equal loads is a leak, not garbage not yet collected.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface MemorySnapshot {
  label: string;
  rssMb: number;
  heapUsedMb: number;
  externalMb: number;
}

// `--expose-gc` cannot be passed through `tsx bench/run.ts`; set at run time, it makes `gc` available to new contexts.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

export function memorySnapshot(label: string): MemorySnapshot {
  gc();
  gc();
  const usage = process.memoryUsage();
  const mb = (bytes: number) => bytes / 1024 / 1024;
  return { label, rssMb: mb(usage.rss), heapUsedMb: mb(usage.heapUsed), externalMb: mb(usage.external) };
}
