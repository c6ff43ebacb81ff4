/** Ids: a kind prefix and 26 Crockford base32 characters; the random part comes from a pool of random bytes. */
import { expect, it } from 'vitest';
import { createIdGenerator, pooledRandomBytes } from '../../server/ids.js';

it('hands out each pooled random byte once, across refills', () => {
  const random = pooledRandomBytes(64);
  const seen: Uint8Array[] = [];
  for (let i = 0; i < 40; i++) seen.push(random(16)); // 10 refills of 4 draws each
  // Draws from one pool are disjoint views; a refill starts a new pool.
  const keys = new Set(seen.map((bytes) => Buffer.from(bytes).toString('hex')));
  expect(keys.size).toBe(40);
  expect(seen.every((bytes) => bytes.length === 16)).toBe(true);
  expect(random(100)).toHaveLength(100); // larger than the pool
});

it('makes distinct, time-ordered ids of the documented shape', () => {
  let now = 1_700_000_000_000;
  const ids = createIdGenerator({ now: () => now++ });
  const made = Array.from({ length: 10_000 }, () => ids('msg'));
  expect(new Set(made).size).toBe(made.length);
  expect(made.every((id) => /^msg_[0-9A-HJKMNP-TV-Z]{26}$/.test(id))).toBe(true);
  expect([...made].sort()).toEqual(made);
});
