/**
 * The one Retry-After reading (contract/retry-after.ts), shared by the server and the client:
 * RFC 9110 section 10.2.3, delay-seconds and the three HTTP-date forms of section 5.6.7.
 */
import { describe, expect, it } from 'vitest';
import { parseHttpDate, parseRetryAfter } from '../../contract/retry-after.js';

const NOW = Date.parse('2026-11-27T10:00:00Z');

describe('parseRetryAfter', () => {
  it.each([
    ['delay-seconds', { given: '30' }, 30_000],
    ['zero seconds', { given: '0' }, 0],
    ['delay-seconds with leading zeros', { given: '007' }, 7_000],
    ['delay-seconds with whitespace around it', { given: ' 12 ' }, 12_000],
    ['an IMF-fixdate', { given: 'Fri, 27 Nov 2026 10:02:00 GMT' }, 120_000],
    ['an RFC 850 date (obsolete form)', { given: 'Friday, 27-Nov-26 10:00:05 GMT' }, 5_000],
    ['an asctime date (obsolete form), day padded with a space', { given: 'Fri Nov 27 10:00:09 2026' }, 9_000],
    ['an asctime date with a two-digit day', { given: 'Mon Dec 14 10:00:00 2026' }, 17 * 86_400_000],
    ['a date in the past, as now', { given: 'Fri, 27 Nov 2026 09:00:00 GMT' }, 0],
    ["RFC 9110's own example", { given: 'Sun, 06 Nov 1994 08:49:37 GMT' }, 0],
  ])('reads %s', (_name, { given }, want) => {
    expect(parseRetryAfter(given, NOW)).toBe(want);
  });

  // Issue 10, item 5: each of these made the client wait 0 ms (Date.parse read them as past dates).
  it.each([
    ['absent', undefined],
    ['null', null],
    ['empty', ''],
    ['blank', '  '],
    ['a fraction', '1.5'],
    ['a negative number', '-1'],
    ['a signed number', '+5'],
    ['a number with a unit', '5s'],
    ['a word', 'soon'],
    ['a date without GMT', 'Fri, 27 Nov 2026 10:02:00'],
    ['a date in another zone', 'Fri, 27 Nov 2026 10:02:00 +0100'],
    ['an ISO 8601 date', '2026-11-27T10:02:00Z'],
    ['a day that does not exist', 'Sat, 31 Feb 2026 10:00:00 GMT'],
    ['an hour that does not exist', 'Fri, 27 Nov 2026 24:00:00 GMT'],
    ['a lower-case month', 'Fri, 27 nov 2026 10:02:00 GMT'],
    ['a one-digit day in an IMF-fixdate', 'Fri, 7 Nov 2026 10:02:00 GMT'],
  ])('refuses %s (null: the caller uses its backoff)', (_name, given) => {
    expect(parseRetryAfter(given, NOW)).toBeNull();
  });

  it.each([
    ['a long delay', '86400', 3_600_000],
    ['a far date', 'Sat, 28 Nov 2026 10:00:00 GMT', 3_600_000],
    ['a delay under the cap', '60', 60_000],
  ])('clamps %s to the maximum asked for', (_name, given, want) => {
    expect(parseRetryAfter(given, NOW, 3_600_000)).toBe(want);
  });
});

describe('parseHttpDate', () => {
  it('reads the three forms of the same instant alike', () => {
    const want = Date.parse('1994-11-06T08:49:37Z');
    expect(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT', NOW)).toBe(want);
    expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT', NOW)).toBe(want);
    expect(parseHttpDate('Sun Nov  6 08:49:37 1994', NOW)).toBe(want);
  });

  it('places a two-digit year more than 50 years ahead in the past century (RFC 9110 section 5.6.7)', () => {
    expect(new Date(parseHttpDate('Thursday, 01-Jan-76 00:00:00 GMT', NOW)!).getUTCFullYear()).toBe(2076);
    expect(new Date(parseHttpDate('Friday, 01-Jan-77 00:00:00 GMT', NOW)!).getUTCFullYear()).toBe(1977);
  });

  it('accepts 29 February in a leap year only', () => {
    expect(parseHttpDate('Thu, 29 Feb 2024 00:00:00 GMT', NOW)).toBe(Date.parse('2024-02-29T00:00:00Z'));
    expect(parseHttpDate('Sun, 29 Feb 2026 00:00:00 GMT', NOW)).toBeNull();
  });
});
