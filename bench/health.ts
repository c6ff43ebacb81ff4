/** The floor of the HTTP stack: `getHealth` is routed and validated like any operation, but touches no store. */
import type { TestServer } from '../test/support/server.js';
import { runLoadInThread, type LoadResult } from './load.js';

export function benchHealth(server: TestServer, options: { count: number; concurrency: number; maxMs: number }): Promise<LoadResult> {
  return runLoadInThread({ origin: server.url, method: 'GET', path: '/healthz', ...options, expectStatus: 200 });
}
