/**
 * One POST of a webhook, and what came of it. Never throws: every failure is an outcome.
 *
 * The attempt is timed on the connection by undici itself: opening it (the dispatcher's connect
 * timeout), then the answer's headers (`headersTimeout`, from the request's dispatch), then its
 * body (`bodyTimeout` between chunks, and `timeoutMs` for the whole body). undici's timers count
 * their own ticks rather than wall time, so an event-loop stall does not make an answer that came
 * in time look late, as a plain `setTimeout` racing the request would.
 */
import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import type { AttemptOutcome } from './attempt-outcome.js';
import { describeRequestError } from './request-error.js';

/** How much of an answer's body is read before the connection is dropped instead: the body is ignored anyway. */
const DISCARDED_BODY_LIMIT = 64 * 1024;

export interface AttemptRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** A pool per origin (an undici `Agent`), made by `createWebhookDispatcher`, which bounds connecting. */
  dispatcher: Dispatcher;
  /** Bounds each phase: the answer's headers after sending, then its body. */
  timeoutMs: number;
  /** Aborts the attempt (shutdown); the outcome then has `failure: 'aborted'`. */
  signal?: AbortSignal;
}

/** The longest one attempt lasts: connecting, the answer's headers, its body, each bounded by `timeoutMs`. */
export function longestAttemptMs(timeoutMs: number): number {
  return 3 * timeoutMs;
}

export async function sendAttempt(req: AttemptRequest): Promise<AttemptOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const target = new URL(req.url);
    const res = await req.dispatcher.request({
      origin: target.origin,
      path: `${target.pathname}${target.search}`,
      method: 'POST',
      headers: req.headers,
      body: req.body,
      headersTimeout: req.timeoutMs,
      bodyTimeout: req.timeoutMs,
      signal: req.signal,
    });
    // The verdict is the status, known now. Reading the answer to its end lets the connection be
    // reused; one that stalls or runs long is cut, which changes nothing but the connection.
    const deadline = bodyDeadline(req.timeoutMs, req.signal);
    await res.body.dump({ limit: DISCARDED_BODY_LIMIT, signal: deadline.signal }).catch(() => undefined);
    deadline.clear();
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    const retryAfter = res.headers['retry-after'];
    return {
      statusCode: res.statusCode,
      latencyMs: elapsed(),
      error: ok ? null : `answered ${res.statusCode}`,
      failure: null,
      retryAfter: (Array.isArray(retryAfter) ? retryAfter[0] : retryAfter) ?? null,
    };
  } catch (error) {
    const { failure, message } = describeRequestError(error, { timeoutMs: req.timeoutMs, timedOut: false, aborted: req.signal?.aborted ?? false });
    return { statusCode: null, latencyMs: elapsed(), error: message, failure, retryAfter: null };
  }
}

/**
 * A signal that aborts after `ms` or when `shutdown` does, and `clear()` to let go of both once the
 * body is read. Not `AbortSignal.any([AbortSignal.timeout(ms), shutdown])`: on Node 20 the
 * long-lived shutdown signal keeps a reference to every signal combined with it, for ever (about
 * 60 B an attempt, found by the reliability soak), and each timeout timer lives its full `ms`.
 */
function bodyDeadline(ms: number, shutdown: AbortSignal | undefined): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('the answer\'s body took too long', 'TimeoutError')), ms).unref();
  const onShutdown = () => controller.abort(shutdown!.reason);
  shutdown?.addEventListener('abort', onShutdown, { once: true });
  if (shutdown?.aborted) onShutdown();
  return {
    signal: controller.signal,
    clear() {
      clearTimeout(timer);
      shutdown?.removeEventListener('abort', onShutdown);
    },
  };
}
