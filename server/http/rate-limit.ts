/**
 * A token bucket per bot for the message operations: `perSecond` sustained, `burst` at once.
 * In memory, so per instance; a fair guard against a runaway client, not a quota.
 */
import type { Clock } from '../clock.js';
import { Problem } from '../problem.js';

export interface RateLimiter {
  take(key: string): void;
}

export function createRateLimiter(clock: Clock, perSecond: number, burst: number): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(key) {
      const now = clock.now();
      const bucket = buckets.get(key) ?? { tokens: burst, at: now };
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
      bucket.at = now;
      if (bucket.tokens < 1) {
        buckets.set(key, bucket);
        const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));
        throw Problem.tooManyRequests(`Bot '${key}' sent more than ${perSecond} messages per second.`, retryAfter);
      }
      bucket.tokens -= 1;
      buckets.set(key, bucket);
    },
  };
}
