/**
 * When a failed delivery is tried again: a list of delays, Svix's by default, each with ±20 %
 * jitter so that receivers coming back from an outage are not hit by every retry at once.
 * Pure: the jitter source and the time are passed in.
 */
import { parseRetryAfter as readRetryAfter } from '../../contract/retry-after.js';

/** The delay before attempt N+1 is `schedule[N]`; attempt 1 is due at once. Eight attempts over about 28 hours. */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [
  0,
  5_000, // 5 s
  5 * 60_000, // 5 min
  30 * 60_000, // 30 min
  2 * 3_600_000, // 2 h
  5 * 3_600_000, // 5 h
  10 * 3_600_000, // 10 h
  10 * 3_600_000, // 10 h
];

/** Each delay is moved by up to this fraction, up or down. */
export const JITTER_FRACTION = 0.2;

/** A `Retry-After` longer than this is read as this: a receiver cannot park a delivery for days. */
export const MAX_RETRY_AFTER_MS = 3_600_000;

/** A number in [0, 1), like `Math.random`. */
export type Random = () => number;

/**
 * The delay before the attempt after `attemptNumber` (1-based), jittered; `null` when that was
 * the last attempt the schedule allows.
 *
 * @example retryDelay(DEFAULT_RETRY_SCHEDULE_MS, 1, () => 0.5) // 5000
 */
export function retryDelay(schedule: readonly number[], attemptNumber: number, random: Random): number | null {
  if (attemptNumber >= schedule.length) return null;
  return jitter(schedule[attemptNumber], random);
}

/** `ms` moved by a uniform ±`JITTER_FRACTION`; `random() = 0.5` leaves it unchanged. */
export function jitter(ms: number, random: Random): number {
  return Math.round(ms * (1 + (random() * 2 - 1) * JITTER_FRACTION));
}

/**
 * A receiver's `Retry-After` as milliseconds from `now`, at most `max`; `null` when absent or
 * not a `Retry-After`. The reading is the contract core's, shared with the client.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3
 */
export function parseRetryAfter(value: string | null | undefined, now: number, max = MAX_RETRY_AFTER_MS): number | null {
  return readRetryAfter(value, now, max);
}
