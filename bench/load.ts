/**
 * A bounded concurrent request loop: `concurrency` workers share one undici Pool (a connection
 * each) and send requests until `count` are sent or `maxMs` has passed, whichever comes first.
 * Every answer with another status than `expectStatus`, and every network error, is counted and
 * a few are kept as samples to print.
 */
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { summarizeLatencies, type LatencySummary } from './latency.js';

export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadOptions {
  origin: string;
  /** Requests to send in all. */
  count: number;
  /** Requests in flight at once, one kept-alive connection each. */
  concurrency: number;
  /** No new request starts after this long, whatever `count`. */
  maxMs: number;
  expectStatus: number;
  request(index: number): LoadRequest;
  /** Sees each expected answer as it arrives (`at` is `performance.now()`), e.g. to read ids from its body. */
  onAnswer?(index: number, body: string, at: number): void;
}

export interface LoadResult {
  sent: number;
  /** Answered with the expected status. */
  ok: number;
  errors: number;
  durationMs: number;
  requestsPerSecond: number;
  /** Of the expected answers, from sending to the end of the body. */
  latency: LatencySummary;
  /** Answers by status; `network` for requests that got none. */
  statuses: Record<string, number>;
  /** The first few unexpected answers, for the report. */
  errorSamples: string[];
}

const MAX_ERROR_SAMPLES = 5;
/** Bounds one request, so a stuck server ends the loop instead of hanging it. */
const REQUEST_TIMEOUT_MS = 15_000;

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const pool = new Pool(options.origin, {
    connections: options.concurrency,
    pipelining: 1,
    headersTimeout: REQUEST_TIMEOUT_MS,
    bodyTimeout: REQUEST_TIMEOUT_MS,
  });
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const errorSamples: string[] = [];
  let next = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + options.maxMs;

  const fail = (label: string, detail: string) => {
    errors++;
    statuses[label] = (statuses[label] ?? 0) + 1;
    if (errorSamples.length < MAX_ERROR_SAMPLES) errorSamples.push(`${label}: ${detail.slice(0, 200)}`);
  };

  async function worker(): Promise<void> {
    while (next < options.count && performance.now() < deadline) {
      const index = next++;
      const { method, path, headers, body } = options.request(index);
      const sentAt = performance.now();
      try {
        const response = await pool.request({ method, path, headers, body });
        const text = await response.body.text();
        const at = performance.now();
        if (response.statusCode !== options.expectStatus) {
          fail(String(response.statusCode), text);
          continue;
        }
        statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
        latencies.push(at - sentAt);
        options.onAnswer?.(index, text, at);
      } catch (error) {
        fail('network', (error as Error).message);
      }
    }
  }

  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    await pool.close();
  }
  const durationMs = performance.now() - started;
  return {
    sent: next,
    ok: latencies.length,
    errors,
    durationMs,
    requestsPerSecond: (latencies.length / durationMs) * 1000,
    latency: summarizeLatencies(latencies),
    statuses,
    errorSamples,
  };
}
