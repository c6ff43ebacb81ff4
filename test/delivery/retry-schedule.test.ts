import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_SCHEDULE_MS, jitter, MAX_RETRY_AFTER_MS, parseRetryAfter, retryDelay } from '../../server/delivery/retry-schedule.js';

const NO_JITTER = () => 0.5;

describe('retryDelay', () => {
  it.each([
    ['waits 5 s after the first attempt', { attempt: 1 }, 5_000],
    ['waits 5 min after the second', { attempt: 2 }, 300_000],
    ['waits 30 min after the third', { attempt: 3 }, 1_800_000],
    ['waits 10 h after the seventh', { attempt: 7 }, 36_000_000],
    ['gives up after the eighth, the last', { attempt: 8 }, null],
  ])('%s', (_name, { attempt }, want) => {
    expect(retryDelay(DEFAULT_RETRY_SCHEDULE_MS, attempt, NO_JITTER)).toBe(want);
  });

  it('follows a configured schedule', () => {
    expect([1, 2, 3].map((n) => retryDelay([0, 20, 40], n, NO_JITTER))).toEqual([20, 40, null]);
  });
});

describe('jitter', () => {
  it.each([
    ['moves a delay down by 20 % at the low end', { random: 0 }, 8_000],
    ['leaves it as it is in the middle', { random: 0.5 }, 10_000],
    ['moves it up by almost 20 % at the high end', { random: 0.999_999 }, 12_000],
  ])('%s', (_name, { random }, want) => {
    expect(jitter(10_000, () => random)).toBe(want);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-27T10:00:00Z');
  it.each([
    ['reads delay-seconds', { header: '30' }, 30_000],
    ['reads zero seconds', { header: '0' }, 0],
    ['reads an HTTP date', { header: 'Fri, 27 Nov 2026 10:02:00 GMT' }, 120_000],
    ['reads a date in the past as now', { header: 'Fri, 27 Nov 2026 09:00:00 GMT' }, 0],
    ['clamps a long delay to the maximum', { header: '86400' }, MAX_RETRY_AFTER_MS],
    ['clamps a far date to the maximum', { header: 'Sat, 28 Nov 2026 10:00:00 GMT' }, MAX_RETRY_AFTER_MS],
    ['ignores a missing header', { header: undefined }, null],
    ['ignores an empty header', { header: ' ' }, null],
    ['ignores a negative number', { header: '-5' }, null],
    ['ignores a fraction, which is not delay-seconds', { header: '1.5' }, null],
    ['ignores junk', { header: 'soon' }, null],
  ])('%s', (_name, { header }, want) => {
    expect(parseRetryAfter(header, now)).toBe(want);
  });
});
