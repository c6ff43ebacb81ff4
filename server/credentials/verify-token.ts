/**
 * The channel's verify token as a credential: the legacy send carries it in its body.
 */
import { randomBytes } from 'node:crypto';
import { secretsEqual } from './secrets-equal.js';

// Compared against when there is no channel, so that a missing channel costs the same as a wrong token.
const NO_VERIFY_TOKEN = randomBytes(32).toString('hex');

/**
 * Whether `given` is the channel's verify token (constant time). False without a channel, and
 * for a channel configured without a verify token: it cannot authenticate this endpoint at all.
 */
export function verifyTokenMatches(given: unknown, channel: { verifyToken: string | null } | undefined): boolean {
  const matches = secretsEqual(typeof given === 'string' ? given : '', channel?.verifyToken ?? NO_VERIFY_TOKEN);
  return channel != null && channel.verifyToken !== null && typeof given === 'string' && matches;
}
