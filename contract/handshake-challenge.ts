/**
 * The `hub.challenge` of the verification handshake, made in one place for the server and the
 * mock. It is a decimal number of 15 digits with no leading zero, as the spec's example shows:
 * a receiver written the Messenger way answers `String(parseInt(challenge))`, and that gives
 * back exactly the challenge, since every 15-digit number is below 2^53 (the largest integer a
 * JavaScript number holds exactly).
 */

/** The challenge's length in digits: the most that round-trips through `parseInt` for any value. */
export const CHALLENGE_DIGITS = 15;

/** What a challenge looks like; the spec's `hub.challenge` parameter carries the same pattern. */
export const CHALLENGE_PATTERN = /^[1-9][0-9]{14}$/;

const LOWEST = 10 ** (CHALLENGE_DIGITS - 1);
const SPAN = 9 * LOWEST; // 10^15 - 10^14 values, all with 15 digits

/**
 * A new random challenge: 15 decimal digits, the first not 0.
 * `random` fills a byte array (Web Crypto's `getRandomValues` by default; tests pass a fixed one).
 *
 * @example newHandshakeChallenge() // '482913005716238'
 */
export function newHandshakeChallenge(random: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b)): string {
  // Rejection sampling keeps every value equally likely.
  const limit = Math.floor(2 ** 53 / SPAN) * SPAN;
  // Each draw is rejected with a chance of 1 in 1000: 100 in a row means `random` is broken.
  for (let draw = 0; draw < 100; draw++) {
    const bytes = random(new Uint8Array(7));
    // 53 bits (5 of the first byte, then 48), all exact in a double.
    let n = bytes[0]! & 0x1f;
    for (const byte of bytes.subarray(1)) n = n * 256 + byte;
    if (n < limit) return String(LOWEST + (n % SPAN));
  }
  throw new Error('newHandshakeChallenge: the random source gave 100 unusable draws in a row');
}
