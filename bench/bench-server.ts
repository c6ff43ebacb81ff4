/**
 * The server under load: the test server (its own SQLite file in a temp dir, 127.0.0.1 port 0,
 * the demo bot) with silent logs and a rate limit high enough never to answer 429.
 */
import type { StartServerOptions } from '../server/server.js';
import { startTestServer, TEST_TOKEN, type TestServer } from '../test/support/server.js';

export const BENCH_ENV = {
  LOG_LEVEL: 'silent',
  RATE_LIMIT_PER_SECOND: '1000000',
  RATE_LIMIT_BURST: '1000000',
  WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
  // Delivery settings can be tried from the environment: WEBHOOK_CONCURRENCY_PER_CHANNEL=16 npm run bench
  ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('WEBHOOK_')) as Array<[string, string]>),
};

export const AUTH_HEADERS = { authorization: `Bearer ${TEST_TOKEN}` };

export function startBenchServer(env: Record<string, string> = {}, options: Partial<StartServerOptions> = {}): Promise<TestServer> {
  return startTestServer({ ...BENCH_ENV, ...env }, options);
}
