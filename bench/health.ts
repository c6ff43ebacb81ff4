/** The floor of the HTTP stack: `getHealth` is routed and validated like any operation, but touches no store. */
import type { TestServer } from '../test/support/server.js';
import { runLoad, type LoadResult } from './load.js';

export function benchHealth(server: TestServer, options: { count: number; concurrency: number; maxMs: number }): Promise<LoadResult> {
  return runLoad({
    origin: server.url,
    ...options,
    expectStatus: 200,
    request: () => ({ method: 'GET', path: '/healthz' }),
  });
}
