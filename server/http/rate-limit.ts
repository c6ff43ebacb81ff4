/**
 * Token buckets, one per key: `perSecond` sustained, `burst` at once. In memory, so per instance;
 * a fair guard against a runaway client, not a quota. At most `maxKeys` buckets are kept (the
 * least recently used goes first), so no key chosen by a caller can grow memory without end.
 * Each answer tells the client where it stands with the `RateLimit-Limit`, `RateLimit-Remaining`
 * and `RateLimit-Reset` headers the spec declares (the IETF httpapi RateLimit header fields draft).
 */
import { isIP } from 'node:net';
import type { Clock } from '../clock.js';
import { Problem } from '../problem.js';

/** The spec's bound on `RateLimit-Reset` and `Retry-After` (seconds). */
const MAX_SECONDS = 86_400;

export interface RateLimiter {
  /**
   * Takes one token from `key`'s bucket and answers the RateLimit headers to send; throws a 429
   * problem with `Retry-After` (and the same headers) when it is empty.
   */
  take(key: string): Record<string, string>;
  /** Buckets held (bounded by `maxKeys`). */
  readonly size: number;
}

export interface RateLimiterOptions {
  perSecond: number;
  burst: number;
  /** The `detail` of the 429 for `key`. */
  describe(key: string): string;
  maxKeys?: number;
}

export const DEFAULT_MAX_KEYS = 10_000;

export function createRateLimiter(clock: Clock, options: RateLimiterOptions): RateLimiter {
  const { perSecond, burst, maxKeys = DEFAULT_MAX_KEYS } = options;
  const buckets = new Map<string, { tokens: number; at: number }>();
  const headers = (tokens: number): Record<string, string> => ({
    'ratelimit-limit': String(burst),
    'ratelimit-remaining': String(Math.max(0, Math.floor(tokens))),
    'ratelimit-reset': String(Math.min(MAX_SECONDS, Math.ceil((burst - tokens) / perSecond))),
  });
  return {
    take(key) {
      const now = clock.now();
      const bucket = buckets.get(key) ?? { tokens: burst, at: now };
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
      bucket.at = now;
      // Re-inserted so that the Map's order is the order of last use.
      buckets.delete(key);
      buckets.set(key, bucket);
      if (buckets.size > maxKeys) buckets.delete(buckets.keys().next().value!);
      if (bucket.tokens < 1) {
        const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));
        const problem = Problem.tooManyRequests(options.describe(key), retryAfter);
        Object.assign(problem.headers, headers(bucket.tokens));
        throw problem;
      }
      bucket.tokens -= 1;
      return headers(bucket.tokens);
    },
    get size() {
      return buckets.size;
    },
  };
}

/**
 * The key of a client address for limits: an IPv6 client usually holds a whole /64, so its
 * addresses count as one; an IPv4-mapped IPv6 address is its IPv4 address. What is not an address
 * (none, or an `X-Forwarded-For` entry a proxy did not write) shares one key.
 */
export function clientKey(address: string | undefined): string {
  if (!address || isIP(address) === 0) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!address.includes(':')) return address;
  const [head = '', tail = ''] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
