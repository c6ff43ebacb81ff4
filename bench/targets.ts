/**
 * What the bench measures and what it measures with, each a process of its own:
 * - the targets: (a) bare node:http, (b) the durable baseline, (c) the server (`node
 *   dist/server/main.js`, as `npm start` runs it), each pinned to TARGET_CPU;
 * - the helpers: the local receiver, the load generator and the bare sender, pinned to the
 *   other CPUs, so that they never take the target's core.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { startBenchChild, startNode, type Child } from './children.js';
import { epochMs } from './ipc.js';
import { cpuSeconds } from './proc-stats.js';
import type { LoadPlan, LoadResult } from './processes/load-generator.js';
import type { Arrivals } from './processes/receiver.js';

const CPU_COUNT = cpus().length;
/** The core every target runs on: the last one. */
export const TARGET_CPU = String(CPU_COUNT - 1);
/** The load generator and receiver get the others (all of them on a single-core machine). */
export const HELPER_CPUS = CPU_COUNT > 2 ? `0-${CPU_COUNT - 2}` : '0';

export const TOKEN = 'bench-token-0123456789abcdef';
export const VERIFY_TOKEN = 'bench-verify-token';
export const SEND_PATH = (botId: string) => `/v1/bots/${botId}/channels/webhook/messages`;
/** The second bot of the isolation run, a copy of the demo bot. */
export const OTHER_BOT = 'bench-b';

/**
 * The server's settings for the bench. Each may be overridden from the bench's environment
 * (`WEBHOOK_CONCURRENCY=32 npm run bench`); the rate limit is lifted so that the figures show
 * what the server takes, not what the limiter lets through.
 */
export const SERVER_DEFAULTS: Record<string, string> = {
  RATE_LIMIT_PER_SECOND: '1000000',
  RATE_LIMIT_BURST: '1000000',
  SHUTDOWN_GRACE: '1s',
};

/** The server's environment as the bench sets it: SERVER_DEFAULTS, unless set in the bench's own environment. */
export function serverSettings(): Record<string, string> {
  return Object.fromEntries(Object.entries(SERVER_DEFAULTS).map(([name, value]) => [name, process.env[name] || value]));
}

export interface Target {
  name: string;
  origin: string;
  /** Several instances of the target (one database): the load is spread over them. Just `origin` when omitted. */
  origins?: string[];
  pid: number;
  /** Every process of the target, when it has several: CPU is summed over them. Just `pid` when omitted. */
  pids?: number[];
  child: Child;
  /** Points the channel of `botId` at `url` (the server: PUT with the handshake; the baselines: set at start). */
  configure?(url: string, botId?: string): Promise<void>;
  /** Bot API tokens by bot id. */
  tokens: Record<string, string>;
  close(): Promise<void>;
}

/** A fresh temporary directory, removed by `close`. */
function scratch(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'wc-bench-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function startBareHttp(): Promise<Target> {
  const { child, ready } = await startBenchChild<{ port: number }>('bare-http', { cpus: TARGET_CPU, env: { BENCH_TOKEN: TOKEN } });
  return { name: '(a) bare node:http', origin: `http://127.0.0.1:${ready.port}`, pid: child.pid, child, tokens: { demo: TOKEN }, close: () => child.stop() };
}

export async function startDurableBaseline(webhookUrl: string): Promise<Target> {
  const tmp = scratch();
  const { child, ready } = await startBenchChild<{ port: number }>('durable-baseline', {
    cpus: TARGET_CPU,
    env: {
      BENCH_TOKEN: TOKEN,
      BENCH_DB: join(tmp.dir, 'baseline.db'),
      BENCH_WEBHOOK_URL: webhookUrl,
      BENCH_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    },
  }).catch((error) => {
    tmp.remove();
    throw error;
  });
  return {
    name: '(b) durable baseline',
    origin: `http://127.0.0.1:${ready.port}`,
    pid: child.pid,
    child,
    tokens: { demo: TOKEN },
    async close() {
      await child.stop();
      tmp.remove();
    },
  };
}

export interface ServerStart extends Target {
  /** From spawning the process to the first 200 on /healthz, ms. */
  coldStartMs: number;
  /** CPU time the process had used by then, ms (a figure a busy machine disturbs less). */
  coldStartCpuMs: number | undefined;
}

export interface ServerOptions {
  /** The store: a fresh SQLite file when omitted; a PostgreSQL URL (several instances may share one). */
  databaseUrl?: string;
  /** The row's name in the report. */
  name?: string;
  /** Read the token issued to OTHER_BOT from the banner (shown once: by the first instance on a database). Default true. */
  readOtherToken?: boolean;
}

/** Starts `node dist/server/main.js` on a fresh database (or `databaseUrl`), with the demo bot and a copy of it (OTHER_BOT). */
export async function startServer({ databaseUrl, name = '(c) the server', readOtherToken = true }: ServerOptions = {}): Promise<ServerStart> {
  const tmp = scratch();
  const bots = join(tmp.dir, 'bots');
  mkdirSync(bots);
  copyFileSync('bots/demo.yaml', join(bots, 'demo.yaml'));
  copyFileSync('bots/demo.yaml', join(bots, `${OTHER_BOT}.yaml`));
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const spawnedAt = epochMs();
  // BENCH_CPU_PROF=dir: each server writes a V8 CPU profile there when it stops (open it in Chrome's DevTools).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = startNode([...profile, 'dist/server/main.js'], {
    cpus: TARGET_CPU,
    captureStdout: true,
    env: {
      ...serverSettings(),
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: databaseUrl ?? `sqlite:${join(tmp.dir, 'server.db')}`,
      BOTS_DIR: bots,
      DEMO_BOT_TOKEN: TOKEN,
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      LOG_LEVEL: 'silent',
    },
  });
  const close = async () => {
    await child.stop(profile.length > 0 ? 30_000 : 3_000);
    tmp.remove();
  };
  try {
    await waitUntil(async () => (await get(`${origin}/healthz`)) === 200, 60_000, 'the server answered /healthz', child);
    const coldStartMs = epochMs() - spawnedAt;
    const cpu = cpuSeconds(child.pid);
    const coldStartCpuMs = cpu === undefined ? undefined : cpu * 1000;
    // The banner (printed after listening) shows the token issued for the second bot.
    let other: string | undefined;
    if (readOtherToken) {
      await waitUntil(async () => (other = new RegExp(`bot '${OTHER_BOT}'[^:]*: (\\S+)`).exec(child.stdout())?.[1]) !== undefined, 10_000, `the banner showed the token of ${OTHER_BOT}`, child);
    }
    const tokens: Record<string, string> = { demo: TOKEN, ...(other !== undefined && { [OTHER_BOT]: other }) };
    return {
      name,
      origin,
      pid: child.pid,
      child,
      tokens,
      coldStartMs,
      coldStartCpuMs,
      async configure(url, botId = 'demo') {
        const response = await request(`${origin}/v1/bots/${botId}/channels/webhook`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${tokens[botId]}`, 'content-type': 'application/json' },
          body: JSON.stringify({ url, verifyToken: VERIFY_TOKEN }),
        });
        const text = await response.body.text();
        if (response.statusCode !== 200) throw new Error(`configuring ${botId}'s channel answered ${response.statusCode}: ${text}`);
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * `count` instances of the server on one PostgreSQL database, each pinned to the target's CPU
 * like every target (the same CPU budget as one instance: the row shows what sharing the work
 * costs, not how it scales). The first configures the channel for all; the load is spread over them.
 */
export async function startServerInstances(databaseUrl: string, count: number, name: string): Promise<Target> {
  const instances: ServerStart[] = [];
  const close = () => Promise.all(instances.map((instance) => instance.close())).then(() => undefined);
  try {
    // One at a time: the first runs the migrations; the others find the schema ready.
    for (let i = 0; i < count; i++) instances.push(await startServer({ databaseUrl, name, readOtherToken: i === 0 }));
  } catch (error) {
    await close();
    throw error;
  }
  const first = instances[0]!;
  return {
    name,
    origin: first.origin,
    origins: instances.map((instance) => instance.origin),
    pid: first.pid,
    pids: instances.map((instance) => instance.pid),
    child: first.child,
    tokens: first.tokens,
    configure: first.configure,
    close,
  };
}

export interface Receiver {
  url: string;
  pid: number;
  reset(options?: { record?: boolean; keepBodies?: boolean }): Promise<void>;
  /** POSTs so far, requests hanging now, the time of asking and of the last POST (epoch ms). */
  count(): Promise<{ total: number; hanging: number; at: number; lastAt: number }>;
  arrivals(): Promise<Arrivals>;
  firstFor(botId: string): Promise<number | null>;
  dumpBodies(file: string): Promise<number>;
  release(): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const { child, ready } = await startBenchChild<{ port: number }>('receiver', { cpus: HELPER_CPUS });
  const base = `http://127.0.0.1:${ready.port}`;
  return {
    url: `${base}/webhook`,
    pid: child.pid,
    reset: async (options = {}) => void (await child.request('reset', options)),
    count: () => child.request('count'),
    arrivals: () => child.request('arrivals', {}, 120_000),
    firstFor: (botId) => child.request('firstFor', { botId }),
    dumpBodies: (file) => child.request('dumpBodies', { file }, 120_000),
    release: async () => void (await child.request('release')),
    close: () => child.stop(),
  };
}

/** The base URL under which the receiver never answers. */
export function hangingUrl(receiver: Receiver): string {
  return receiver.url.replace(/\/webhook$/, '/hang/webhook');
}

export interface LoadGenerator {
  pid: number;
  run(plan: Omit<LoadPlan, 'path' | 'headers'> & { botId?: string; token?: string }): Promise<LoadResult>;
  close(): Promise<void>;
}

/**
 * The load generator. A run that fails (no answer in time) replaces the process, so that a run
 * still going on in it cannot overlap the next one.
 */
export async function startLoadGenerator(): Promise<LoadGenerator> {
  let { child } = await startBenchChild('load-generator', { cpus: HELPER_CPUS });
  const generator: LoadGenerator = {
    pid: child.pid,
    async run({ botId = 'demo', token = TOKEN, ...plan }) {
      try {
        return await child.request<LoadResult>(
          'run',
          { plan: { ...plan, path: SEND_PATH(botId), headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } } },
          plan.durationMs + (plan.graceMs ?? 30_000) + 120_000,
        );
      } catch (error) {
        await child.stop(0);
        ({ child } = await startBenchChild('load-generator', { cpus: HELPER_CPUS }));
        generator.pid = child.pid;
        throw error;
      }
    },
    close: () => child.stop(),
  };
  return generator;
}

/** One body per conversation: each sender says "hi" (the demo bot answers with three messages). */
export function helloBodies(conversations: number, prefix = 'bench'): string[] {
  return Array.from({ length: conversations }, (_, n) =>
    JSON.stringify({ sender: { id: `${prefix}-sender-${String(n).padStart(8, '0')}` }, message: { type: 'text', text: 'hi' } }),
  );
}

/** Bot messages the demo bot sends for one "hi". */
export const BOT_MESSAGES_PER_HELLO = 3;

async function get(url: string): Promise<number | undefined> {
  try {
    const response = await request(url, { headersTimeout: 2_000, bodyTimeout: 2_000 });
    await response.body.dump();
    return response.statusCode;
  } catch {
    return undefined;
  }
}

/** Polls `condition` every 5 ms until it holds; throws after `timeoutMs`, or when `child` exits. */
export async function waitUntil(condition: () => Promise<boolean> | boolean, timeoutMs: number, what: string, child?: Child): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (child && (child.process.exitCode !== null || child.process.signalCode !== null)) throw new Error(`${what}: the process exited first`);
    if (performance.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
