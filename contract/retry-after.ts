/**
 * `Retry-After` (RFC 9110 section 10.2.3), read the same way by the server (a receiver's `429`)
 * and by the client (the API's `429` and `503`): delay-seconds, or an HTTP-date in any of the
 * three forms section 5.6.7 says a recipient must accept (IMF-fixdate, and the obsolete RFC 850
 * and asctime forms). Anything else is not a `Retry-After` at all: `null`, so the caller falls
 * back to its own backoff. `Date.parse` is not used: it reads junk such as `1.5` or `-1` as dates.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-5.6.7
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH = MONTHS.join('|');
const TIME = '([0-9]{2}):([0-9]{2}):([0-9]{2})';

// Sun, 06 Nov 1994 08:49:37 GMT
const IMF_FIXDATE = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), ([0-9]{2}) (${MONTH}) ([0-9]{4}) ${TIME} GMT$`);
// Sunday, 06-Nov-94 08:49:37 GMT
const RFC850_DATE = new RegExp(`^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), ([0-9]{2})-(${MONTH})-([0-9]{2}) ${TIME} GMT$`);
// Sun Nov  6 08:49:37 1994
const ASCTIME_DATE = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (${MONTH}) ([0-9 ][0-9]) ${TIME} ([0-9]{4})$`);

/** delay-seconds = 1*DIGIT. */
const DELAY_SECONDS = /^[0-9]+$/;

/**
 * An HTTP-date as milliseconds since the epoch, or `null` when `text` is not one (wrong form,
 * or a day that does not exist, such as 31 Feb). `now` places an RFC 850 two-digit year: a year
 * more than 50 years ahead is the most recent past year with those digits (section 5.6.7).
 *
 * @example parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT', Date.now()) // 784111777000
 */
export function parseHttpDate(text: string, now: number): number | null {
  const fields = httpDateFields(text, now);
  if (!fields) return null;
  const { year, month, day, hours, minutes, seconds } = fields;
  // 60 is a leap second (RFC 5322 allows it); Date folds it into the next minute.
  if (hours > 23 || minutes > 59 || seconds > 60 || day < 1) return null;
  // setUTCFullYear, not Date.UTC, which reads years 0–99 as 1900–1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month, day);
  // 31 Feb rolls over into March: such a date is refused, not moved.
  if (date.getUTCDate() !== day) return null;
  return date.setUTCHours(hours, minutes, seconds, 0);
}

interface HttpDateFields {
  year: number;
  /** 0-based, as `Date.UTC` wants it. */
  month: number;
  day: number;
  hours: number;
  minutes: number;
  seconds: number;
}

function httpDateFields(text: string, now: number): HttpDateFields | null {
  const time = (h: string, m: string, s: string) => ({ hours: Number(h), minutes: Number(m), seconds: Number(s) });
  let m = IMF_FIXDATE.exec(text);
  if (m) return { year: Number(m[3]), month: MONTHS.indexOf(m[2]!), day: Number(m[1]), ...time(m[4]!, m[5]!, m[6]!) };
  m = RFC850_DATE.exec(text);
  if (m) {
    const currentYear = new Date(now).getUTCFullYear();
    let year = Math.floor(currentYear / 100) * 100 + Number(m[3]);
    if (year > currentYear + 50) year -= 100;
    return { year, month: MONTHS.indexOf(m[2]!), day: Number(m[1]), ...time(m[4]!, m[5]!, m[6]!) };
  }
  m = ASCTIME_DATE.exec(text);
  if (m) return { year: Number(m[6]), month: MONTHS.indexOf(m[1]!), day: Number(m[2]!.trim()), ...time(m[3]!, m[4]!, m[5]!) };
  return null;
}

/**
 * A `Retry-After` value as milliseconds to wait from `now` (ms since the epoch): delay-seconds
 * times 1000, or the time until the HTTP-date (0 when it has passed), at most `max`. `null`
 * when the header is absent or not a `Retry-After` (`1.5`, `-1`, `soon`, an unparseable date):
 * the caller then uses its own backoff, never 0.
 *
 * @example parseRetryAfter('120', now)                             // 120000
 * @example parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', now)   // 0 (in the past)
 * @example parseRetryAfter('1.5', now)                             // null
 */
export function parseRetryAfter(value: string | null | undefined, now: number, max = Number.POSITIVE_INFINITY): number | null {
  // Header values reach us with optional whitespace around them (RFC 9110 section 5.5).
  const text = value?.trim();
  if (!text) return null;
  let ms: number;
  if (DELAY_SECONDS.test(text)) {
    ms = Number(text) * 1000;
  } else {
    const at = parseHttpDate(text, now);
    if (at === null) return null;
    ms = Math.max(0, at - now);
  }
  return Math.min(ms, max);
}
