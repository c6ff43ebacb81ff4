/**
 * CPU time and memory of another process, read from Linux's /proc (all its threads included).
 * Elsewhere the readings are undefined and the table shows "-".
 */
import { readFileSync } from 'node:fs';

/** USER_HZ: /proc/<pid>/stat counts CPU time in ticks of 1/100 s on every Linux we run on. */
const TICKS_PER_SECOND = 100;

/** User + system CPU seconds the process used so far. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND; // utime, stime (fields 14, 15)
  } catch {
    return undefined;
  }
}

/** Resident set size now and its peak so far (VmRSS, VmHWM), in MB. */
export function rssMb(pid: number): { now: number; peak: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
    return { now: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** CPU used by `pid` between `start()` and `stop()`, as a fraction of one core. */
export function cpuMeter(pid: number): { stop(): number | undefined } {
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  return {
    stop() {
      const cpu1 = cpuSeconds(pid);
      if (cpu0 === undefined || cpu1 === undefined) return undefined;
      return (cpu1 - cpu0) / ((performance.now() - t0) / 1000);
    },
  };
}
