/**
 * The kit and the independent `standardwebhooks` library understand each other's signatures.
 */
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook, verifyWebhookSignature, webhookHeaders, WebhookVerificationError } from '../../client/receiver/index.js';
import { resolve, spec } from '../support/contract.js';

const CURRENT = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
const PREVIOUS = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const event = resolve(spec.webhooks.botMessage.post.requestBody.content['application/json'].examples.carousel, '').node.value;
const body = JSON.stringify(event);

describe('signatures between the kit and the standardwebhooks library', () => {
  it('reproduces the Standard Webhooks published signature', async () => {
    const published = { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', id: 'msg_p5jXN8AQM9LWM0D4loKWxJek', timestamp: 1614265330, body: '{"test": 2432232314}' };
    const signature = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';
    expect(await signWebhook(published.secret, published.id, published.timestamp, published.body)).toBe(signature);
    expect(new Webhook(published.secret).sign(published.id, new Date(published.timestamp * 1000), published.body)).toBe(signature);
  });

  it('verifies with the library what the kit signed', async () => {
    const headers = await webhookHeaders(CURRENT, 'msg_kit_signed', new Date(), body);
    expect(new Webhook(CURRENT).verify(body, headers)).toEqual(event);
  });

  it('verifies with the kit what the library signed', async () => {
    const now = new Date();
    const headers = {
      'webhook-id': 'msg_library_signed',
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': new Webhook(CURRENT).sign('msg_library_signed', now, body),
    };
    expect(await verifyWebhook(body, headers, CURRENT)).toEqual(event);
  });

  it('signs with both secrets during a rotation, and the library accepts either', async () => {
    const headers = await webhookHeaders([PREVIOUS, CURRENT], 'msg_rotating', new Date(), body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(PREVIOUS).verify(body, headers)).toEqual(event);
    expect(new Webhook(CURRENT).verify(body, headers)).toEqual(event);
  });

  it('refuses, as the library does, a body the library signed with another secret', async () => {
    const now = new Date();
    const headers = {
      'webhook-id': 'msg_other_secret',
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': new Webhook(PREVIOUS).sign('msg_other_secret', now, body),
    };
    expect(() => new Webhook(CURRENT).verify(body, headers)).toThrow('No matching signature found');
    const error = await verifyWebhookSignature(body, headers, CURRENT).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebhookVerificationError);
    expect((error as WebhookVerificationError).reason).toBe('no_matching_signature');
  });

  it('signs the body bytes as given, so a body with multi-byte characters verifies in both', async () => {
    const unicode = JSON.stringify({ ...event, message: { type: 'text', text: 'Ça va? 👋 日本語' } });
    const headers = await webhookHeaders(CURRENT, 'msg_unicode', new Date(), new TextEncoder().encode(unicode));
    expect(new Webhook(CURRENT).verify(unicode, headers)).toEqual(JSON.parse(unicode));
  });
});
