import { describe, expect, it } from 'vitest';
import { judgeAttempt, type AttemptOutcome } from '../../server/delivery/attempt-outcome.js';

const NOW = Date.parse('2026-11-27T10:00:00Z');
const policy = { schedule: [0, 5_000, 60_000], random: () => 0.5, maxRetryAfterMs: 3_600_000, now: NOW };
const answered = (statusCode: number, retryAfter: string | null = null): AttemptOutcome => ({
  statusCode,
  latencyMs: 3,
  error: statusCode < 300 ? null : `answered ${statusCode}`,
  failure: null,
  retryAfter,
});
const noAnswer: AttemptOutcome = { statusCode: null, latencyMs: 10_000, error: 'timed out after 10 s', failure: 'timeout', retryAfter: null };

describe('judgeAttempt', () => {
  it.each([
    ['a 200 is delivered', { outcome: answered(200), attempt: 1 }, { kind: 'delivered' }],
    ['any 2xx is delivered', { outcome: answered(204), attempt: 3 }, { kind: 'delivered' }],
    ['a 410 means the channel is gone', { outcome: answered(410), attempt: 1 }, { kind: 'gone' }],
    ['a 500 is retried on the schedule', { outcome: answered(500), attempt: 1 }, { kind: 'retry', delayMs: 5_000 }],
    ['a 3xx is a failure, not followed', { outcome: answered(301), attempt: 1 }, { kind: 'retry', delayMs: 5_000 }],
    ['a 400 is retried too', { outcome: answered(400), attempt: 2 }, { kind: 'retry', delayMs: 60_000 }],
    ['a timeout is retried', { outcome: noAnswer, attempt: 1 }, { kind: 'retry', delayMs: 5_000 }],
    ['a 429 waits its Retry-After when that is longer', { outcome: answered(429, '30'), attempt: 1 }, { kind: 'retry', delayMs: 30_000 }],
    ['a 429 waits at least the schedule', { outcome: answered(429, '1'), attempt: 2 }, { kind: 'retry', delayMs: 60_000 }],
    ['a 429 may ask by date', { outcome: answered(429, 'Fri, 27 Nov 2026 10:00:40 GMT'), attempt: 1 }, { kind: 'retry', delayMs: 40_000 }],
    ['a 429 asking for days waits the longest honoured', { outcome: answered(429, '864000'), attempt: 1 }, { kind: 'retry', delayMs: 3_600_000 }],
    ['a 429 with an unreadable Retry-After follows the schedule', { outcome: answered(429, 'soon'), attempt: 1 }, { kind: 'retry', delayMs: 5_000 }],
    ['a 429 without Retry-After follows the schedule', { outcome: answered(429), attempt: 1 }, { kind: 'retry', delayMs: 5_000 }],
    ['Retry-After on a 503 is ignored', { outcome: answered(503, '30'), attempt: 1 }, { kind: 'retry', delayMs: 5_000 }],
    ['a failure of the last attempt is a dead letter', { outcome: answered(500), attempt: 3 }, { kind: 'exhausted' }],
    ['a 429 on the last attempt is a dead letter too', { outcome: answered(429, '1'), attempt: 3 }, { kind: 'exhausted' }],
    ['a 410 on the last attempt still disables the channel', { outcome: answered(410), attempt: 3 }, { kind: 'gone' }],
  ])('%s', (_name, { outcome, attempt }, want) => {
    expect(judgeAttempt(outcome, attempt, policy)).toEqual(want);
  });
});
