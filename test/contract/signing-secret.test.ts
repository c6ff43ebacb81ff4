/** The whsec_ rule (contract/signing-secret.ts) the server makes secrets by and the kit verifies with. */
import { describe, expect, it } from 'vitest';
import { formatSigningSecret, MAX_SECRET_BYTES, MIN_SECRET_BYTES, readSigningSecret } from '../../contract/signing-secret.js';
import { generateSigningSecret } from '../../server/channel/signing-secret.js';
import { secretKey } from '../../server/delivery/signature.js';
import { createWebhookVerifier, WebhookVerificationError } from '../../client/receiver/index.js';

const ofBytes = (n: number) => `whsec_${Buffer.alloc(n, 7).toString('base64')}`;

describe('readSigningSecret', () => {
  it.each([
    ['the published Standard Webhooks secret', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 24],
    ['the same without its prefix', 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 24],
    ['the shortest allowed', ofBytes(MIN_SECRET_BYTES), 24],
    ['the longest allowed', ofBytes(MAX_SECRET_BYTES), 64],
  ])('reads %s', (_name, given, bytes) => {
    expect(readSigningSecret(given).bytes?.length).toBe(bytes);
  });

  it.each([
    ['an empty secret', 'whsec_'],
    ['one byte (the server once accepted it)', ofBytes(1)],
    ['23 bytes', ofBytes(23)],
    ['65 bytes', ofBytes(65)],
    ['something that is not base64', 'whsec_not base64!'],
    ['a number', 42],
  ])('refuses %s, without echoing it', (_name, given) => {
    const { problem } = readSigningSecret(given);
    expect(problem).toBeTypeOf('string');
    expect(problem).not.toContain(String(given).slice(6, 12) || '\u0000');
  });
});

describe('server and kit agree', () => {
  it.each([1, 16, 23, 24, 64, 65])('on a secret of %i bytes', async (n) => {
    const secret = ofBytes(n);
    const serverAccepts = (() => { try { secretKey(secret); return true; } catch { return false; } })();
    const kitAccepts = (() => { try { createWebhookVerifier(secret); return true; } catch (e) { expect(e).toBeInstanceOf(WebhookVerificationError); return false; } })();
    expect(serverAccepts).toBe(kitAccepts);
    expect(serverAccepts).toBe(n >= MIN_SECRET_BYTES && n <= MAX_SECRET_BYTES);
  });

  it('on the secrets the server makes', () => {
    const secret = generateSigningSecret();
    expect(readSigningSecret(secret).bytes?.length).toBe(MIN_SECRET_BYTES);
    expect(() => createWebhookVerifier(secret)).not.toThrow();
  });

  it('formatSigningSecret refuses a length outside the rule', () => {
    expect(() => formatSigningSecret(new Uint8Array(8))).toThrow(RangeError);
    expect(formatSigningSecret(new Uint8Array(24))).toBe(ofBytes(24).replace(/[^_]+$/, Buffer.alloc(24).toString('base64')));
  });
});
