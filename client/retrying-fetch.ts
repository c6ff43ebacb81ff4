/**
 * The `fetch` under the typed client: a timeout on every attempt, and retries with backoff of the
 * calls that are safe to repeat, honouring `Retry-After`.
 *
 * Safe to repeat: GET, HEAD, OPTIONS, PUT, DELETE (idempotent by RFC 9110 section 9.2.2), and any
 * request carrying an `Idempotency-Key` (the server answers a repeated key with the first result).
 * Retried on: a network error or timeout, `429`, and `5xx`.
 */
import { parseRetryAfter } from '../contract/retry-after.js';
import { WebhookChannelNetworkError } from './errors.js';

export interface RetryPolicy {
  /** Retries after the first attempt. Default 2. */
  retries: number;
  /** Time allowed for each attempt, in milliseconds. Default 10 000. */
  timeoutMs: number;
  /** The first backoff, doubled on each retry, ±20 % jitter. Default 500 ms. */
  baseDelayMs: number;
  /** Backoff never exceeds this. Default 8 000 ms. */
  maxDelayMs: number;
  /** A `Retry-After` longer than this is not waited for: the answer is returned as is. Default 60 000 ms. */
  maxRetryAfterMs: number;
  /** Waits between attempts; injected by tests. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** The clock (ms since epoch), for `Retry-After` dates. */
  now: () => number;
  /** In [0, 1), for jitter. */
  random: () => number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  retries: 2,
  timeoutMs: 10_000,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 60_000,
  sleep: abortableSleep,
  now: Date.now,
  random: Math.random,
};

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/** Whether the request may be sent again without changing the outcome. */
export function isRepeatable(request: Request): boolean {
  return IDEMPOTENT_METHODS.has(request.method) || request.headers.has('idempotency-key');
}

/** Whether an answer is worth another attempt. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** The wait before retry number `retry` (1-based): exponential, capped, with ±20 % jitter. */
export function backoffDelay(retry: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs' | 'random'>): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.round(exponential * (0.8 + 0.4 * policy.random()));
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    function onAbort() {
      clearTimeout(timer);
      reject(signal!.reason);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

type Fetch = (request: Request, init?: Record<string, unknown>) => Promise<Response>;

/**
 * One attempt, bounded by `timeoutMs` and by the caller's signal. The abort is passed to fetch
 * and also raced against it: a fetch that misses its signal (Node 20's can, on its first use)
 * must not hang the caller. The timer runs on while the body is read, then fires harmlessly.
 */
function sendOnce(fetch: Fetch, request: Request, body: ArrayBuffer | undefined, init: Record<string, unknown> | undefined, timeoutMs: number): Promise<Response> {
  const controller = new AbortController();
  const aborted = new Promise<never>((_resolve, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  aborted.catch(() => {});
  const caller = request.signal;
  if (caller.aborted) controller.abort(caller.reason);
  else caller.addEventListener('abort', () => controller.abort(caller.reason), { once: true });
  const timer = setTimeout(() => controller.abort(new DOMException(`timed out after ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
  (timer as { unref?: () => void }).unref?.();
  return Promise.race([fetch(new Request(request, { body, signal: controller.signal }), init), aborted]);
}

/**
 * Wraps `fetch` with the policy. Answers the last response (even an error status: the caller
 * reads it as a problem); throws `WebhookChannelNetworkError` when no attempt got an answer,
 * and the abort reason, unretried, when the caller's own signal aborts.
 */
export function retryingFetch(fetch: Fetch, policy: RetryPolicy): (request: Request, init?: Record<string, unknown>) => Promise<Response> {
  return async (request, init) => {
    const attempts = isRepeatable(request) ? policy.retries + 1 : 1;
    // Read the body once, so every attempt can send it again.
    const body = request.body === null ? undefined : await request.arrayBuffer();
    const callerSignal = request.signal;
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      let response: Response;
      try {
        response = await sendOnce(fetch, request, body, init, policy.timeoutMs);
      } catch (error) {
        if (callerSignal.aborted) throw callerSignal.reason;
        lastError = error;
        if (attempt < attempts) await policy.sleep(backoffDelay(attempt, policy), callerSignal);
        continue;
      }
      if (attempt === attempts || !isRetryableStatus(response.status)) return response;
      // One reading of Retry-After for the server and the client (contract/retry-after.ts); one
      // that is not a Retry-After (`1.5`, `-1`, junk) is null, and the backoff applies, never 0.
      const retryAfter = parseRetryAfter(response.headers.get('retry-after'), policy.now());
      if (retryAfter !== null && retryAfter > policy.maxRetryAfterMs) return response;
      await response.body?.cancel();
      await policy.sleep(retryAfter ?? backoffDelay(attempt, policy), callerSignal);
    }
    const timedOut = lastError instanceof Error && lastError.name === 'TimeoutError';
    const what = timedOut ? `timed out after ${policy.timeoutMs} ms` : `failed: ${lastError instanceof Error ? lastError.message : String(lastError)}`;
    throw new WebhookChannelNetworkError(
      `${request.method} ${new URL(request.url).pathname} ${what} (${attempts} attempt${attempts === 1 ? '' : 's'})`,
      attempts,
      lastError,
    );
  };
}
