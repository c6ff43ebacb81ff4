/** Cold start: from spawning `node dist/server/main.js` on a fresh database to its first 200 on /healthz, `runs` times. */
import { startServer } from '../targets.js';

export interface ColdStart {
  wallMs: number;
  /** CPU the server used until then (undefined without /proc). */
  cpuMs: number | undefined;
}

export async function measureColdStart(runs: number): Promise<ColdStart[]> {
  const starts: ColdStart[] = [];
  for (let i = 0; i < runs; i++) {
    const server = await startServer();
    starts.push({ wallMs: server.coldStartMs, cpuMs: server.coldStartCpuMs });
    await server.close();
  }
  return starts;
}
