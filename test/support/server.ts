/**
 * A real server for tests: its own database (a SQLite file, or a fresh PostgreSQL database in the
 * `postgres` project: see test-store.ts), 127.0.0.1 port 0, the demo bot with a known
 * token, local webhook URLs allowed, and a retry schedule in milliseconds.
 * `call` sends a request by operationId and checks the answer against the spec.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../server/config.js';
import { startServer, type RunningServer, type StartServerOptions } from '../../server/server.js';
import { createTestDatabaseUrl } from './test-store.js';
import { assertResponseMatchesSpec, operationById, readWireResponse, type WireResponse } from './contract.js';

export const TEST_TOKEN = 'test-token-0123456789abcdef';
export const SENDER = 'a7355930-fa92-11e7-8308-2f056e75d1ee';

export interface CallOptions {
  params?: Record<string, string>;
  query?: Record<string, string | number>;
  body?: unknown;
  headers?: Record<string, string>;
  /** `false` sends no Authorization header. */
  token?: string | false;
}

export interface TestServer {
  url: string;
  server: RunningServer;
  /** The DATABASE_URL it runs on (another process can open the same store). */
  databaseUrl: string;
  call(operationId: string, options?: CallOptions): Promise<WireResponse>;
  close(): Promise<void>;
}

export const FAST_DELIVERY_ENV = {
  WEBHOOK_RETRY_SCHEDULE: '0,20ms,40ms,80ms',
  WEBHOOK_TIMEOUT: '2s',
};

export async function startTestServer(env: Record<string, string> = {}, options: Partial<StartServerOptions> = {}): Promise<TestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'wc-server-'));
  // A DATABASE_URL given shares another server's store (several instances on one database).
  const database = env.DATABASE_URL ? { url: env.DATABASE_URL, drop: async () => undefined } : await createTestDatabaseUrl(dir);
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: database.url,
    DEMO_BOT_TOKEN: TEST_TOKEN,
    WEBHOOK_ALLOWED_HOSTS: '127.0.0.1,localhost',
    LOG_LEVEL: 'silent',
    SHUTDOWN_GRACE: '2s',
    ...FAST_DELIVERY_ENV,
    ...env,
  });
  const server = await startServer({ config, ...options });
  return {
    url: server.url,
    server,
    databaseUrl: config.databaseUrl,
    call: (operationId, callOptions = {}) => callOperation(server.url, operationId, callOptions),
    async close() {
      await server.close();
      await database.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Sends a request to the operation and checks the response against the spec before returning it. */
export async function callOperation(baseUrl: string, operationId: string, options: CallOptions = {}): Promise<WireResponse> {
  const { pointer } = operationById(operationId);
  const [, , encodedPath, method] = pointer.split('/');
  const template = encodedPath!.replace(/~1/g, '/').replace(/~0/g, '~');
  const params = { botId: 'demo', ...options.params };
  const path = template.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(params[name as keyof typeof params] ?? `{${name}}`));
  const url = new URL(baseUrl + path);
  for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, String(value));
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token ?? TEST_TOKEN;
  if (token !== false && !('authorization' in headers)) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await readWireResponse(await fetch(url, { method: method!.toUpperCase(), headers, body }));
  assertResponseMatchesSpec(operationId, response);
  return response;
}
