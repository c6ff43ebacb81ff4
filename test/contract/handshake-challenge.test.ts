/** The handshake challenge (contract/handshake-challenge.ts), issue 10 item 6. */
import { describe, expect, it } from 'vitest';
import { CHALLENGE_PATTERN, newHandshakeChallenge } from '../../contract/handshake-challenge.js';
import { spec } from '../support/contract.js';

describe('newHandshakeChallenge', () => {
  it('is 15 decimal digits that survive a Messenger-style String(parseInt(challenge))', () => {
    for (let i = 0; i < 200; i++) {
      const challenge = newHandshakeChallenge();
      expect(challenge).toMatch(/^[1-9][0-9]{14}$/);
      expect(String(parseInt(challenge, 10))).toBe(challenge);
      expect(String(Number(challenge))).toBe(challenge);
    }
  });

  it.each([
    ['the lowest draw', 0x00, '100000000000000'],
    ['a middle draw', 0x55, String(10 ** 14 + (0x15555555555555 % (9 * 10 ** 14)))],
  ])('maps %s into the 15-digit range', (_name, byte, want) => {
    expect(newHandshakeChallenge((bytes) => bytes.fill(byte))).toBe(want);
  });

  it('throws instead of looping when the random source is broken', () => {
    expect(() => newHandshakeChallenge((bytes) => bytes.fill(0xff))).toThrow(/random source/);
  });

  it("matches the spec's hub.challenge parameter and its example", () => {
    const parameter = spec.webhooks.verification.get.parameters.find((p: { name: string }) => p.name === 'hub.challenge');
    expect(parameter.schema.pattern).toBe(CHALLENGE_PATTERN.source);
    expect(parameter.example).toMatch(CHALLENGE_PATTERN);
  });
});
