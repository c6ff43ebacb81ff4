/** Cold start: from spawning `node dist/server/main.js` on a fresh database to its first 200 on /healthz, `runs` times. */
import { startServer } from '../targets.js';

export async function measureColdStart(runs: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const server = await startServer();
    times.push(server.coldStartMs);
    await server.close();
  }
  return times;
}
