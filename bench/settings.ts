/**
 * How long and how hard each part of `npm run bench` runs. The full run fits in 15 minutes on
 * 2 cores; `BENCH_QUICK=1` is a short run while developing (its figures are rougher);
 * `BENCH_RSS_SECONDS` sets the length of the memory run (5 minutes by default); `BENCH_ONLY=text`
 * runs only the parts whose name holds the text (e.g. `BENCH_ONLY=PostgreSQL`).
 */
import type { DrainSettings } from './scenarios/drain.js';
import type { EndToEndSettings } from './scenarios/end-to-end.js';
import type { IsolationSettings } from './scenarios/isolation.js';
import type { MemorySettings } from './scenarios/memory.js';
import type { ThroughputSettings } from './scenarios/throughput.js';

export interface BenchSettings {
  quick: boolean;
  coldStartRuns: number;
  throughput: ThroughputSettings;
  endToEnd: { rates: number[]; baselineRate: number } & Omit<EndToEndSettings, 'ratePerSecond'>;
  drain: { backlogs: number[] } & Omit<DrainSettings, 'backlog'>;
  isolation: IsolationSettings;
  memory: MemorySettings;
  /**
   * The PostgreSQL rows, (d) one instance and (e) two on one database: shorter windows than
   * SQLite's, so that the whole bench stays within 15 minutes.
   */
  postgres: { throughput: ThroughputSettings; endToEnd: EndToEndSettings };
  /** The whole run is stopped past this. */
  watchdogMs: number;
}

function seconds(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > 3600) throw new Error(`${name}: '${raw}' must be a number of seconds from 1 to 3600`);
  return value;
}

export function benchSettings(): BenchSettings {
  const quick = process.env.BENCH_QUICK === '1';
  const memorySeconds = seconds('BENCH_RSS_SECONDS', quick ? 20 : 300);
  return {
    quick,
    coldStartRuns: quick ? 1 : 3,
    throughput: { connections: 50, conversations: 200, warmupMs: quick ? 500 : 2_000, durationMs: quick ? 3_000 : 10_000 },
    endToEnd: { rates: [200, 1_000], baselineRate: 1_000, conversations: 200, durationMs: quick ? 3_000 : 10_000, settleMs: 10_000 },
    drain: {
      backlogs: quick ? [300, 3_000] : [3_000, 30_000],
      conversations: 200,
      fillMaxMs: quick ? 30_000 : 60_000,
      drainMaxMs: quick ? 20_000 : 60_000,
      bareConnections: 32,
    },
    isolation: { conversations: 32, maxWaitMs: 30_000 },
    postgres: {
      throughput: { connections: 50, conversations: 200, warmupMs: quick ? 500 : 1_000, durationMs: quick ? 3_000 : 5_000 },
      endToEnd: { ratePerSecond: 200, conversations: 200, durationMs: quick ? 3_000 : 5_000, settleMs: 10_000 },
    },
    memory: { durationMs: memorySeconds * 1000, connections: 16, conversations: 200, sampleEveryMs: Math.min(10_000, memorySeconds * 100) },
    watchdogMs: (quick ? 15 * 60 : 10 * 60) * 1000 + memorySeconds * 1000,
  };
}
