/**
 * Memory over a long run: the server with its channel active takes "hi" as fast as it answers
 * (closed loop) for `durationMs`, while its RSS is sampled from /proc.
 */
import { rssMb } from '../proc-stats.js';
import { epochMs } from '../ipc.js';
import { helloBodies, startServer, type LoadGenerator, type Receiver } from '../targets.js';

export interface MemorySettings {
  durationMs: number;
  connections: number;
  conversations: number;
  sampleEveryMs: number;
}

export interface MemoryResult {
  settings: MemorySettings;
  /** [seconds since the start, RSS MB]. */
  samples: Array<[number, number]>;
  peakMb: number | undefined;
  acceptedPerSecond: number;
  webhooksPerSecond: number;
  statuses: Record<string, number>;
}

export async function measureMemory(receiver: Receiver, load: LoadGenerator, settings: MemorySettings): Promise<MemoryResult> {
  const server = await startServer();
  try {
    await server.configure!(receiver.url);
    await receiver.reset({ record: false });
    const samples: Array<[number, number]> = [];
    const startedAt = epochMs();
    const sample = () => {
      const rss = rssMb(server.pid);
      if (rss) samples.push([(epochMs() - startedAt) / 1000, rss.now]);
    };
    sample();
    const timer = setInterval(sample, settings.sampleEveryMs);
    let result;
    try {
      result = await load.run({
        origin: server.origin,
        bodies: helloBodies(settings.conversations, 'memory'),
        mode: 'closed',
        connections: settings.connections,
        count: 100_000_000,
        durationMs: settings.durationMs,
        graceMs: 15_000,
      });
    } finally {
      clearInterval(timer);
    }
    sample();
    const received = await receiver.count();
    const seconds = (result.endedAt - result.startedAt) / 1000;
    return {
      settings,
      samples,
      peakMb: rssMb(server.pid)?.peak,
      acceptedPerSecond: result.accepted / seconds,
      webhooksPerSecond: received.total / ((received.at - startedAt) / 1000),
      statuses: result.statuses,
    };
  } finally {
    await server.close();
  }
}
