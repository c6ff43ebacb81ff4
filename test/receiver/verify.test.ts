/**
 * verifyWebhook's behaviour beyond the vectors: inputs in their various forms, the error's data,
 * and misuse.
 */
import { describe, expect, it } from 'vitest';
import {
  createWebhookVerifier,
  signWebhook,
  verifyWebhook,
  webhookHeaders,
  WebhookVerificationError,
  type VerificationFailureReason,
} from '../../client/receiver/index.js';
import { resolve, spec } from '../support/contract.js';

const SECRET = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
const NOW = 1732672800;
const now = () => NOW * 1000;
const event = resolve(spec.webhooks.botMessage.post.requestBody.content['application/json'].examples.text, '').node.value;
const body = JSON.stringify(event);

async function reasonOf(promise: Promise<unknown>): Promise<VerificationFailureReason | 'resolved'> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error === undefined) return 'resolved';
  expect(error).toBeInstanceOf(WebhookVerificationError);
  return (error as WebhookVerificationError).reason;
}

describe('verifyWebhook', () => {
  it('reads headers from a fetch Headers object', async () => {
    const headers = new Headers(await webhookHeaders(SECRET, 'msg_headers', NOW, body));
    expect(await verifyWebhook(body, headers, SECRET, { now })).toEqual(event);
  });

  it('reads repeated header values given as arrays as one joined value', async () => {
    const headers = await webhookHeaders(SECRET, 'msg_array', NOW, body);
    const record = { ...headers, 'webhook-id': ['msg_array', 'msg_other'] };
    expect(await reasonOf(verifyWebhook(body, record, SECRET, { now }))).toBe('no_matching_signature');
  });

  it('refuses a body that is not UTF-8 as invalid_json', async () => {
    const bytes = new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]);
    const headers = { 'webhook-id': 'msg_bytes', 'webhook-timestamp': String(NOW), 'webhook-signature': await signWebhook(SECRET, 'msg_bytes', NOW, bytes) };
    expect(await reasonOf(verifyWebhook(bytes, headers, SECRET, { now }))).toBe('invalid_json');
  });

  it('lists the failing fields of an invalid body on the error', async () => {
    const invalid = JSON.stringify({ ...event, messageCounter: 0 });
    const headers = await webhookHeaders(SECRET, 'msg_invalid', NOW, invalid);
    const error = (await verifyWebhook(invalid, headers, SECRET, { now }).catch((e: unknown) => e)) as WebhookVerificationError;
    expect(error.reason).toBe('invalid_body');
    expect(error.errors).toContainEqual({ location: 'body.messageCounter', message: 'must be >= 1' });
  });

  it('honours a custom tolerance', async () => {
    const headers = await webhookHeaders(SECRET, 'msg_tolerance', NOW - 60, body);
    expect(await reasonOf(verifyWebhook(body, headers, SECRET, { now, toleranceSeconds: 30 }))).toBe('timestamp_too_old');
    expect(await reasonOf(verifyWebhook(body, headers, SECRET, { now, toleranceSeconds: 60 }))).toBe('resolved');
  });

  it('checks the timestamp before the signature, so a stale forgery is reported as stale', async () => {
    const headers = { ...(await webhookHeaders(SECRET, 'msg_stale', NOW - 1000, body)), 'webhook-signature': 'v1,AAAA' };
    expect(await reasonOf(verifyWebhook(body, headers, SECRET, { now }))).toBe('timestamp_too_old');
  });

  it('accepts a secret without the whsec_ prefix, as the Standard Webhooks libraries do', async () => {
    const headers = await webhookHeaders(SECRET, 'msg_prefix', NOW, body);
    expect(await verifyWebhook(body, headers, SECRET.slice('whsec_'.length), { now })).toEqual(event);
  });

  it('never echoes a bad secret in its error', async () => {
    const error = (await verifyWebhook(body, {}, 'whsec_top-secret!', { now }).catch((e: unknown) => e)) as Error;
    expect(error.message).not.toContain('top-secret');
  });
});

describe('createWebhookVerifier', () => {
  it.each([
    ['no secret', []],
    ['an empty secret', ''],
    ['a secret that is not base64', 'whsec_???'],
    ['a secret of 65 bytes', `whsec_${btoa('x'.repeat(65))}`],
  ])('refuses %s at once, before any delivery', (_name, secrets) => {
    expect(() => createWebhookVerifier(secrets as string | string[])).toThrow(WebhookVerificationError);
  });

  it('answers the signed webhook-id and timestamp with the event', async () => {
    const verifier = createWebhookVerifier([SECRET], { now });
    const headers = await webhookHeaders(SECRET, 'msg_metadata', NOW, body);
    expect(await verifier.verify(body, headers)).toEqual({ webhookId: 'msg_metadata', timestamp: NOW, event });
  });
});

describe('signWebhook', () => {
  it('refuses a timestamp that is not whole seconds', async () => {
    await expect(signWebhook(SECRET, 'msg', 1.5, body)).rejects.toThrow(TypeError);
  });

  it('refuses a malformed secret with invalid_secret', async () => {
    expect(await reasonOf(signWebhook('whsec_short', 'msg', NOW, body))).toBe('invalid_secret');
  });
});
