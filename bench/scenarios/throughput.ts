/**
 * Accept throughput, closed loop: `connections` loops send "hi" as fast as the target answers,
 * for `durationMs` after a warm-up, while the receiver counts the webhooks that arrive
 * meanwhile. The target's CPU is read from /proc over the same window.
 */
import { cpuMeter, rssMb } from '../proc-stats.js';
import { helloBodies, type LoadGenerator, type Receiver, type Target } from '../targets.js';
import type { LoadResult } from '../processes/load-generator.js';

export interface ThroughputSettings {
  connections: number;
  conversations: number;
  warmupMs: number;
  durationMs: number;
}

export interface ThroughputResult {
  target: string;
  load: LoadResult;
  acceptedPerSecond: number;
  /** Webhooks that arrived at the receiver per second over the same window. */
  webhooksPerSecond: number;
  /** Of one core (1 = a whole core), all the target's processes together; undefined without /proc. */
  cpu: number | undefined;
  /** The load generator's CPU over the window: near 1 means it, not the target, may be the limit. */
  loadCpu: number | undefined;
  peakRssMb: number | undefined;
}

export async function measureThroughput(target: Target, receiver: Receiver, load: LoadGenerator, settings: ThroughputSettings): Promise<ThroughputResult> {
  const bodies = helloBodies(settings.conversations);
  const plan = { origin: target.origin, origins: target.origins, bodies, mode: 'closed' as const, connections: settings.connections, count: 10_000_000, graceMs: 15_000 };
  await load.run({ ...plan, durationMs: settings.warmupMs });
  await receiver.reset({ record: false });
  const before = await receiver.count();
  const pids = target.pids ?? [target.pid];
  const cpus = pids.map(cpuMeter);
  const loadCpu = cpuMeter(load.pid);
  const result = await load.run({ ...plan, durationMs: settings.durationMs });
  const used = cpus.map((meter) => meter.stop());
  const cpuUsed = used.some((x) => x === undefined) ? undefined : used.reduce((sum: number, x) => sum + x!, 0);
  const loadCpuUsed = loadCpu.stop();
  const after = await receiver.count();
  const seconds = (result.endedAt - result.startedAt) / 1000;
  return {
    target: target.name,
    load: result,
    acceptedPerSecond: result.accepted / seconds,
    webhooksPerSecond: ((after.total - before.total) / (after.at - before.at)) * 1000,
    cpu: cpuUsed,
    loadCpu: loadCpuUsed,
    // Of the largest instance, when there are several.
    peakRssMb: Math.max(...pids.map((pid) => rssMb(pid)?.peak ?? Number.NaN)) || undefined,
  };
}
