/**
 * A bounded concurrent request loop: `concurrency` workers share one undici Pool (a connection
 * each) and send requests until `count` are sent or `maxMs` has passed, whichever comes first.
 * Every answer with another status than `expectStatus`, and every network error, is counted and
 * a few are kept as samples to print.
 *
 * The plan is plain data, so that `runLoadInThread` can run the loop on a worker thread: the
 * server under test keeps the main thread's event loop to itself, as it would in production.
 */
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { Pool } from 'undici';
import { summarizeLatencies, type LatencySummary } from './latency.js';

export interface LoadPlan {
  origin: string;
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  /** Request `i` sends `bodies[i % bodies.length]`; none: no body. */
  bodies?: string[];
  /** Requests to send in all. */
  count: number;
  /** Requests in flight at once, one kept-alive connection each. */
  concurrency: number;
  /** No new request starts after this long, whatever `count`. */
  maxMs: number;
  /**
   * Open loop: request `i` starts no sooner than `i / ratePerSecond` s after the first, however
   * fast the answers come, as independent users would send. None: each connection sends its
   * next request as soon as it has an answer (closed loop, the most the server takes).
   */
  ratePerSecond?: number;
  expectStatus: number;
  /** Keep each expected answer's body and time, e.g. to read ids from them. */
  keepAnswers?: boolean;
}

/** An expected answer: the request's index, when it was read (ms since the epoch, sub-ms precision), and its body. */
export interface LoadAnswer {
  index: number;
  at: number;
  body: string;
}

export interface LoadResult {
  sent: number;
  /** Answered with the expected status. */
  ok: number;
  errors: number;
  /** When the first request was sent and the last answer read, in ms since the epoch (see `epochMs`). */
  startedAt: number;
  endedAt: number;
  durationMs: number;
  requestsPerSecond: number;
  /** Of the expected answers, from sending to the end of the body. */
  latency: LatencySummary;
  /** Answers by status; `network` for requests that got none. */
  statuses: Record<string, number>;
  /** The first few unexpected answers, for the report. */
  errorSamples: string[];
  /** With `keepAnswers`. */
  answers: LoadAnswer[];
}

const MAX_ERROR_SAMPLES = 5;
/** Bounds one request, so a stuck server ends the loop instead of hanging it. */
const REQUEST_TIMEOUT_MS = 15_000;

/** Milliseconds since the epoch with performance.now()'s precision, comparable across threads. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

export async function runLoad(plan: LoadPlan): Promise<LoadResult> {
  const pool = new Pool(plan.origin, {
    connections: plan.concurrency,
    pipelining: 1,
    headersTimeout: REQUEST_TIMEOUT_MS,
    bodyTimeout: REQUEST_TIMEOUT_MS,
  });
  const latencies: number[] = [];
  const answers: LoadAnswer[] = [];
  const statuses: Record<string, number> = {};
  const errorSamples: string[] = [];
  let next = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + plan.maxMs;

  const fail = (label: string, detail: string) => {
    errors++;
    statuses[label] = (statuses[label] ?? 0) + 1;
    if (errorSamples.length < MAX_ERROR_SAMPLES) errorSamples.push(`${label}: ${detail.slice(0, 200)}`);
  };

  async function connection(): Promise<void> {
    while (next < plan.count && performance.now() < deadline) {
      const index = next++;
      if (plan.ratePerSecond) {
        const wait = started + (index * 1000) / plan.ratePerSecond - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      const body = plan.bodies ? plan.bodies[index % plan.bodies.length] : undefined;
      const sentAt = performance.now();
      try {
        const response = await pool.request({ origin: plan.origin, method: plan.method, path: plan.path, headers: plan.headers, body });
        const text = await response.body.text();
        const answeredAt = performance.now();
        if (response.statusCode !== plan.expectStatus) {
          fail(String(response.statusCode), text);
          continue;
        }
        statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
        latencies.push(answeredAt - sentAt);
        if (plan.keepAnswers) answers.push({ index, at: performance.timeOrigin + answeredAt, body: text });
      } catch (error) {
        fail('network', (error as Error).message);
      }
    }
  }

  try {
    await Promise.all(Array.from({ length: plan.concurrency }, connection));
  } finally {
    await pool.close();
  }
  const ended = performance.now();
  const durationMs = ended - started;
  return {
    sent: next,
    ok: latencies.length,
    errors,
    startedAt: performance.timeOrigin + started,
    endedAt: performance.timeOrigin + ended,
    durationMs,
    requestsPerSecond: (latencies.length / durationMs) * 1000,
    latency: summarizeLatencies(latencies),
    statuses,
    errorSamples,
    answers,
  };
}

const WORKER_ENTRY = new URL('./load-thread.ts', import.meta.url).href;
const TSX_LOADER = import.meta.resolve('tsx/esm/api');
/** A worker thread does not inherit tsx's loader: it registers it, then imports the entry. */
const WORKER_BOOT = `import(${JSON.stringify(TSX_LOADER)}).then(({ register }) => { register(); return import(${JSON.stringify(WORKER_ENTRY)}); });`;

/** Runs the plan on a worker thread (see `load-thread.ts`) and resolves with its result. */
export function runLoadInThread(plan: LoadPlan): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_BOOT, { eval: true, workerData: plan });
    let result: LoadResult | undefined;
    worker.once('message', (message: LoadResult) => {
      result = message;
    });
    worker.once('error', reject);
    worker.once('exit', (code) => (result ? resolve(result) : reject(new Error(`load thread exited with ${code} and no result`))));
  });
}
