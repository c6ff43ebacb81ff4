/**
 * What one attempt came to, and what it means for its delivery: delivered (2xx), the channel is
 * gone (410), or tried again on the schedule until it is exhausted. This is the one home of the
 * 429 rule: a `429` with `Retry-After` waits what the receiver asked for (clamped to
 * `maxRetryAfterMs`), but never less than the schedule's own delay, so a receiver that keeps
 * answering 429 is given the same time to recover as any other failing one, and reaches the
 * dead letter no sooner. `Retry-After` on other statuses is ignored, as in Standard Webhooks.
 * @see https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#deliverability-and-reliability
 */
import type { RequestFailure } from './request-error.js';
import { parseRetryAfter, retryDelay, type Random } from './retry-schedule.js';

/** One POST, as sent: the status when there was an answer, or why there was none. */
export interface AttemptOutcome {
  statusCode: number | null;
  /** Wall time from sending to the answer's end (or to the failure). */
  latencyMs: number;
  /** Why there was no (acceptable) answer, for the attempt log: `answered 500`, `connection refused`… */
  error: string | null;
  /** Set when there was no answer. */
  failure: RequestFailure | null;
  /** The answer's `Retry-After` header as sent, if any. */
  retryAfter: string | null;
}

export type Verdict =
  | { kind: 'delivered' }
  /** 410: disable the channel; the delivery is held until the channel is configured again. */
  | { kind: 'gone' }
  | { kind: 'retry'; delayMs: number }
  /** The schedule is exhausted: a dead letter. */
  | { kind: 'exhausted' };

export interface RetryPolicy {
  schedule: readonly number[];
  random: Random;
  /** The longest `Retry-After` honoured, in ms. */
  maxRetryAfterMs: number;
  /** To read a `Retry-After` date. */
  now: number;
}

/** `roundAttemptNumber`: the attempt's place in the current retry schedule, 1-based. */
export function judgeAttempt(outcome: AttemptOutcome, roundAttemptNumber: number, policy: RetryPolicy): Verdict {
  const status = outcome.statusCode;
  if (status !== null && status >= 200 && status < 300) return { kind: 'delivered' };
  if (status === 410) return { kind: 'gone' };
  const scheduled = retryDelay(policy.schedule, roundAttemptNumber, policy.random);
  if (scheduled === null) return { kind: 'exhausted' };
  const asked = status === 429 ? parseRetryAfter(outcome.retryAfter, policy.now, policy.maxRetryAfterMs) : null;
  return { kind: 'retry', delayMs: Math.max(scheduled, asked ?? 0) };
}
