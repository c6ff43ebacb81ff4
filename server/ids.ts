/**
 * Ids: a prefix naming the kind, then 26 Crockford base32 characters (48 bits of time, 80 of
 * randomness, as in ULID), so ids sort by creation and never collide across instances.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from './clock.js';

export type IdKind = 'msg' | 'cnv' | 'dlv' | 'chn' | 'ins';
export type IdGenerator = (kind: IdKind) => string;

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function createIdGenerator(clock: Clock, random: (bytes: number) => Uint8Array = randomBytes): IdGenerator {
  return (kind) => {
    let time = clock.now();
    let timePart = '';
    for (let i = 0; i < 10; i++) {
      timePart = ALPHABET[time % 32] + timePart;
      time = Math.floor(time / 32);
    }
    const bytes = random(16);
    let randomPart = '';
    for (let i = 0; i < 16; i++) randomPart += ALPHABET[bytes[i]! % 32];
    return `${kind}_${timePart}${randomPart}`;
  };
}
