/** One POST of a webhook, and what came of it. Never throws: every failure is an outcome. */
import { performance } from 'node:perf_hooks';
import { request, type Dispatcher } from 'undici';
import type { AttemptOutcome } from './attempt-outcome.js';
import type { Clock } from '../clock.js';
import { describeRequestError } from './request-error.js';
import { parseRetryAfter } from './retry-schedule.js';

/** How much of an answer's body is read before the connection is dropped instead: the body is ignored anyway. */
const DISCARDED_BODY_LIMIT = 64 * 1024;

export interface AttemptRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  dispatcher: Dispatcher;
  /** Bounds the whole attempt, from connecting to the answer's last byte. */
  timeoutMs: number;
  /** Aborts the attempt (shutdown); the outcome then has `failure: 'aborted'`. */
  signal?: AbortSignal;
  /** To read a `Retry-After` date. */
  clock: Clock;
  maxRetryAfterMs?: number;
}

export async function sendAttempt(req: AttemptRequest): Promise<AttemptOutcome> {
  const timeout = AbortSignal.timeout(req.timeoutMs);
  const signal = req.signal ? AbortSignal.any([timeout, req.signal]) : timeout;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const res = await request(req.url, { method: 'POST', headers: req.headers, body: req.body, dispatcher: req.dispatcher, signal });
    // Reading the answer to its end lets the connection be reused; an answer that stalls is cut at the timeout.
    await res.body.dump({ limit: DISCARDED_BODY_LIMIT, signal }).catch(() => undefined);
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    const retryAfterHeader = res.statusCode === 429 ? res.headers['retry-after'] : undefined;
    return {
      statusCode: res.statusCode,
      latencyMs: elapsed(),
      error: ok ? null : `answered ${res.statusCode}`,
      failure: null,
      retryAfterMs: parseRetryAfter(Array.isArray(retryAfterHeader) ? retryAfterHeader[0] : retryAfterHeader, req.clock.now(), req.maxRetryAfterMs),
    };
  } catch (error) {
    const { failure, message } = describeRequestError(error, {
      timeoutMs: req.timeoutMs,
      timedOut: timeout.aborted,
      aborted: req.signal?.aborted ?? false,
    });
    return { statusCode: null, latencyMs: elapsed(), error: message, failure, retryAfterMs: null };
  }
}
