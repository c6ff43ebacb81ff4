/**
 * The channel's verify token as a credential: the legacy send carries it in its body. It is
 * compared by its SHA-256 (stored beside it), so authentication never needs the token in clear;
 * the token itself is kept (sealed when a key is configured) only to be put in webhook bodies.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** What is stored to authenticate with: SHA-256, hex (the token itself may be sealed, or absent). */
export function hashVerifyToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

// Compared against when there is no channel, so that a missing channel costs the same as a wrong token.
const NO_VERIFY_TOKEN_HASH = hashVerifyToken(randomBytes(32).toString('hex'));

/**
 * Whether `given` is the channel's verify token (constant time). False without a channel, and
 * for a channel configured without a verify token: it cannot authenticate this endpoint at all.
 */
export function verifyTokenMatches(given: unknown, channel: { verifyTokenHash: string | null } | undefined): boolean {
  const expected = Buffer.from(channel?.verifyTokenHash ?? NO_VERIFY_TOKEN_HASH, 'hex');
  const presented = Buffer.from(hashVerifyToken(typeof given === 'string' ? given : ''), 'hex');
  const matches = expected.length === presented.length && timingSafeEqual(presented, expected);
  return channel != null && channel.verifyTokenHash !== null && typeof given === 'string' && matches;
}
