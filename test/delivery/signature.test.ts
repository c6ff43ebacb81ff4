import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { secretKey, sign, signatureHeader, signingSecrets } from '../../server/delivery/signature.js';

// The vector published with Standard Webhooks (and Svix's "verifying manually" guide).
const PUBLISHED = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  webhookId: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
const OTHER_SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

describe('sign', () => {
  it('produces the published Standard Webhooks signature', () => {
    expect(sign(PUBLISHED.secret, PUBLISHED)).toBe(PUBLISHED.signature);
  });

  it('accepts a secret without its whsec_ prefix, as the reference libraries do', () => {
    expect(sign(PUBLISHED.secret.slice('whsec_'.length), PUBLISHED)).toBe(PUBLISHED.signature);
  });

  it('changes when any signed part changes', () => {
    for (const changed of [{ webhookId: 'msg_other' }, { timestamp: PUBLISHED.timestamp + 1 }, { body: '{"test": 2432232315}' }]) {
      expect(sign(PUBLISHED.secret, { ...PUBLISHED, ...changed })).not.toBe(PUBLISHED.signature);
    }
  });

  it('refuses a secret with no key bytes', () => {
    expect(() => secretKey('whsec_')).toThrow(TypeError);
  });
});

describe('signatureHeader', () => {
  it('holds one signature per secret, space separated, the current secret first', () => {
    const header = signatureHeader([OTHER_SECRET, PUBLISHED.secret], PUBLISHED);
    expect(header).toBe(`${sign(OTHER_SECRET, PUBLISHED)} ${PUBLISHED.signature}`);
    expect(header).toMatch(/^v1,[A-Za-z0-9+/=]+( v1,[A-Za-z0-9+/=]+)*$/); // the spec's pattern
  });

  it('verifies with the independent standardwebhooks library under either secret of a rotation', () => {
    const timestamp = Math.floor(Date.now() / 1000); // the library reads the real clock
    const content = { webhookId: 'msg_rotation', timestamp, body: '{"hello":"world"}' };
    const headers = {
      'webhook-id': content.webhookId,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signatureHeader([OTHER_SECRET, PUBLISHED.secret], content),
    };
    expect(new Webhook(OTHER_SECRET).verify(content.body, headers)).toEqual({ hello: 'world' });
    expect(new Webhook(PUBLISHED.secret).verify(content.body, headers)).toEqual({ hello: 'world' });
  });
});

describe('signingSecrets', () => {
  const channel = { secret: 'whsec_new', previousSecrets: [{ secret: 'whsec_old', expiresAt: 10_000 }] };
  // Rotated at 1 000 (grace 10 000) and again at 2 000: the newest replaced secret is listed first.
  const twice = { secret: 'whsec_newest', previousSecrets: [{ secret: 'whsec_new', expiresAt: 12_000 }, { secret: 'whsec_old', expiresAt: 11_000 }] };
  it.each([
    ['only the current secret when nothing rotates', { given: { ...channel, previousSecrets: [] }, now: 0 }, ['whsec_new']],
    ['both secrets during the grace period', { given: channel, now: 9_999 }, ['whsec_new', 'whsec_old']],
    ['only the current secret once the grace period ended', { given: channel, now: 10_000 }, ['whsec_new']],
    ['every replaced secret inside its own grace period, after a second rotation', { given: twice, now: 10_999 }, ['whsec_newest', 'whsec_new', 'whsec_old']],
    ['the first replaced secret stops at its own expiry, not at the second rotation', { given: twice, now: 11_000 }, ['whsec_newest', 'whsec_new']],
    ['each secret once, however it was listed', { given: { secret: 'whsec_new', previousSecrets: [{ secret: 'whsec_new', expiresAt: 10_000 }] }, now: 0 }, ['whsec_new']],
  ])('%s', (_name, { given, now }, want) => {
    expect(signingSecrets(given, now)).toEqual(want);
  });
});
