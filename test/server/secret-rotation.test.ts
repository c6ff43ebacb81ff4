/**
 * Issue 10, item 8: rotation inside a grace period. Every secret a rotation replaces keeps
 * signing until its own grace period ends, whatever rotations follow, concurrent ones included;
 * the answers list every replaced secret that still signs, and the webhooks carry one signature
 * per such secret. On both engines, with the server's clock moved by the test (no sleeps).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../client/receiver/index.js';
import { MAX_PREVIOUS_SECRETS } from '../../server/channel/signing-secret.js';
import { spec } from '../support/contract.js';
import { SENDER, startTestServer, type TestServer } from '../support/server.js';
import { waitFor } from '../support/wait-for.js';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../support/webhook-receiver.js';

const VERIFY_TOKEN = 'secret-rotation-verify-token';
const T0 = Date.parse('2026-11-27T10:00:00.000Z');
const GRACE = 86_400_000; // WEBHOOK_SECRET_GRACE's default, 24 h
const iso = (ms: number) => new Date(ms).toISOString();

let now = T0;
const clock = { now: () => now };
let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await startWebhookReceiver({ verifyToken: VERIFY_TOKEN });
});
afterAll(() => receiver?.close());

/** A server on the test's clock with the webhook configured at T0. */
async function configuredServer(): Promise<TestServer> {
  now = T0;
  const server = await startTestServer({}, { clock });
  expect((await server.call('putWebhookChannel', { body: { url: receiver.url, verifyToken: VERIFY_TOKEN } })).status).toBe(200);
  return server;
}

const secretOf = async (server: TestServer) => (await server.call('getWebhookSecret')).body as any;
const rotate = async (server: TestServer) => {
  const res = await server.call('rotateWebhookSecret');
  expect(res.status).toBe(200);
  return res.body as any;
};

/** Sends a user message and answers the webhooks its bot messages made, once all were delivered. */
async function webhooksOfOneSend(server: TestServer): Promise<ReceivedWebhook[]> {
  const before = receiver.received.length;
  expect((await server.call('sendMessage', { body: { sender: { id: SENDER }, message: { type: 'text', text: 'hi' } } })).status).toBe(202);
  await waitFor(
    async () => receiver.received.length > before && ((await server.call('listDeliveries', { query: { status: 'pending' } })).body as any).data.length === 0,
    { what: 'the send to be delivered' },
  );
  return receiver.received.slice(before);
}

const signatureCount = (webhook: ReceivedWebhook) => String(webhook.headers['webhook-signature']).split(' ').length;
const verifyWith = (webhook: ReceivedWebhook, secret: string) =>
  verifyWebhook(webhook.rawBody, webhook.headers as Record<string, string>, secret, { now: clock.now });

describe('a second rotation inside the first one\'s grace period', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await configuredServer();
  });
  afterAll(() => server?.close());

  it('keeps the first replaced secret signing until the expiry the first answer gave', async () => {
    const s0 = (await secretOf(server)).secret as string;
    const first = await rotate(server);
    expect(first).toEqual({
      secret: expect.stringMatching(/^whsec_/),
      previousSecret: s0,
      previousExpiresAt: iso(T0 + GRACE),
      previousSecrets: [{ secret: s0, expiresAt: iso(T0 + GRACE) }],
    });
    const s1 = first.secret as string;

    now = T0 + 1_000;
    const second = await rotate(server);
    const s2 = second.secret as string;
    // The first answer's promise stands: s0 still signs until T0 + 24 h, beside s1 until T0 + 1 s + 24 h.
    expect(second).toEqual({
      secret: expect.stringMatching(/^whsec_/),
      previousSecret: s1,
      previousExpiresAt: iso(T0 + 1_000 + GRACE),
      previousSecrets: [
        { secret: s1, expiresAt: iso(T0 + 1_000 + GRACE) },
        { secret: s0, expiresAt: iso(T0 + GRACE) },
      ],
    });
    expect(new Set([s0, s1, s2]).size).toBe(3);
    expect(await secretOf(server)).toEqual(second);

    const during = await webhooksOfOneSend(server);
    for (const webhook of during) {
      expect(signatureCount(webhook)).toBe(3);
      for (const secret of [s0, s1, s2]) await expect(verifyWith(webhook, secret)).resolves.toMatchObject({ senderId: SENDER });
    }

    // The last millisecond of s0's grace period: it still signs.
    now = T0 + GRACE - 1;
    for (const webhook of await webhooksOfOneSend(server)) {
      expect(signatureCount(webhook)).toBe(3);
      await expect(verifyWith(webhook, s0)).resolves.toMatchObject({ senderId: SENDER });
    }

    // s0's grace period is over; s1's is not.
    now = T0 + GRACE;
    for (const webhook of await webhooksOfOneSend(server)) {
      expect(signatureCount(webhook)).toBe(2);
      await expect(verifyWith(webhook, s0)).rejects.toMatchObject({ reason: 'no_matching_signature' });
      await expect(verifyWith(webhook, s1)).resolves.toMatchObject({ senderId: SENDER });
      await expect(verifyWith(webhook, s2)).resolves.toMatchObject({ senderId: SENDER });
    }
    expect(await secretOf(server)).toEqual({
      secret: s2,
      previousSecret: s1,
      previousExpiresAt: iso(T0 + 1_000 + GRACE),
      previousSecrets: [{ secret: s1, expiresAt: iso(T0 + 1_000 + GRACE) }],
    });

    now = T0 + 1_000 + GRACE;
    for (const webhook of await webhooksOfOneSend(server)) {
      expect(signatureCount(webhook)).toBe(1);
      await expect(verifyWith(webhook, s1)).rejects.toMatchObject({ reason: 'no_matching_signature' });
      await expect(verifyWith(webhook, s2)).resolves.toMatchObject({ senderId: SENDER });
    }
    expect(await secretOf(server)).toEqual({ secret: s2 });
  });
});

describe('rotations at once', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await configuredServer();
  });
  afterAll(() => server?.close());

  it('all happen, one after the other, and no replaced secret is lost', async () => {
    const s0 = (await secretOf(server)).secret as string;
    const answers = await Promise.all(Array.from({ length: 5 }, () => rotate(server)));
    const made = answers.map((a) => a.secret as string);
    expect(new Set([s0, ...made]).size).toBe(6);

    const after = await secretOf(server);
    expect(made).toContain(after.secret);
    // Every secret but the current one still signs, each until T0 + 24 h (the clock stood still).
    expect(after.previousSecrets).toHaveLength(5);
    expect(after.previousSecrets.map((p: any) => p.secret).sort()).toEqual([s0, ...made].filter((s) => s !== after.secret).sort());
    for (const p of after.previousSecrets) expect(p.expiresAt).toBe(iso(T0 + GRACE));
    // Each answer's replaced secret is one that was current before: the rotations form one chain.
    expect(answers.map((a) => a.previousSecret).sort()).toEqual([s0, ...made].filter((s) => s !== after.secret).sort());

    const [webhook] = await webhooksOfOneSend(server);
    expect(signatureCount(webhook!)).toBe(6);
    for (const secret of [s0, ...made]) await expect(verifyWith(webhook!, secret)).resolves.toMatchObject({ senderId: SENDER });
  });
});

describe('the bound on replaced secrets', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await configuredServer();
  });
  afterAll(() => server?.close());

  it('is the spec\'s maxItems of previousSecrets', () => {
    expect(spec.components.schemas.WebhookSecret.properties.previousSecrets.maxItems).toBe(MAX_PREVIOUS_SECRETS);
  });

  it('refuses a rotation while that many still sign, with 429 until the first stops, and changes nothing', async () => {
    for (let i = 0; i < MAX_PREVIOUS_SECRETS; i++) {
      now = T0 + i * 1_000;
      await rotate(server);
    }
    now = T0 + MAX_PREVIOUS_SECRETS * 1_000;
    const before = await secretOf(server);
    expect(before.previousSecrets).toHaveLength(MAX_PREVIOUS_SECRETS);
    const refused = await server.call('rotateWebhookSecret');
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ type: expect.stringMatching(/\/too-many-rotations$/), status: 429 });
    // The first replaced secret (rotated out at T0) stops at T0 + 24 h: 24 h − 10 s from now.
    expect((refused.headers as Headers).get('retry-after')).toBe(String(GRACE / 1000 - MAX_PREVIOUS_SECRETS));
    expect(await secretOf(server)).toEqual(before);

    now = T0 + GRACE;
    const rotated = await rotate(server);
    expect(rotated.previousSecret).toBe(before.secret);
    expect(rotated.previousSecrets).toHaveLength(MAX_PREVIOUS_SECRETS);
    expect(rotated.previousSecrets.map((p: any) => p.secret)).not.toContain(before.previousSecrets.at(-1).secret);
  });

  it('goes with the channel: a channel configured again signs with its new secret alone', async () => {
    expect((await server.call('deleteWebhookChannel')).status).toBe(204);
    const left = await server.server.database.db.selectFrom('previous_secrets').selectAll().execute();
    expect(left).toEqual([]);
    expect((await server.call('putWebhookChannel', { body: { url: receiver.url, verifyToken: VERIFY_TOKEN } })).status).toBe(200);
    expect(await secretOf(server)).toEqual({ secret: expect.stringMatching(/^whsec_/) });
  });
});

/** The integrator's own secret (WebhookChannelInput.secret): the receiver holds it before the first webhook. */
describe('a secret given with the configuration', () => {
  const OWN = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oDmKt3Oq5w0jI=';
  const OTHER = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  let server: TestServer;
  beforeAll(async () => {
    now = T0;
    server = await startTestServer({}, { clock });
  });
  afterAll(() => server?.close());
  const put = (body: Record<string, unknown>) => server.call('putWebhookChannel', { body: { url: receiver.url, verifyToken: VERIFY_TOKEN, ...body } });

  it('signs the messages held before the channel existed, and every later one, with it', async () => {
    const before = receiver.received.length;
    expect((await server.call('sendMessage', { body: { sender: { id: SENDER }, message: { type: 'text', text: 'hi' } } })).status).toBe(202);
    expect((await put({ secret: OWN })).status).toBe(200);
    expect(await secretOf(server)).toEqual({ secret: OWN });
    await waitFor(() => receiver.received.length >= before + 3, { what: 'the held messages' });
    for (const webhook of receiver.received.slice(before)) {
      expect(signatureCount(webhook)).toBe(1);
      await expect(verifyWith(webhook, OWN)).resolves.toMatchObject({ senderId: SENDER });
    }
  });

  it('changes nothing when given again, also without its prefix', async () => {
    expect((await put({ secret: OWN })).status).toBe(200);
    expect((await put({ secret: OWN.slice('whsec_'.length) })).status).toBe(400); // the schema wants the whsec_ form
    expect((await put({})).status).toBe(200); // absent: the channel keeps its secret
    expect(await secretOf(server)).toEqual({ secret: OWN });
  });

  it('replaces the current secret as a rotation does: the replaced one signs on for the grace period', async () => {
    now = T0 + 5_000;
    expect((await put({ secret: OTHER })).status).toBe(200);
    expect(await secretOf(server)).toEqual({
      secret: OTHER,
      previousSecret: OWN,
      previousExpiresAt: iso(T0 + 5_000 + GRACE),
      previousSecrets: [{ secret: OWN, expiresAt: iso(T0 + 5_000 + GRACE) }],
    });
    const [webhook] = await webhooksOfOneSend(server);
    expect(signatureCount(webhook!)).toBe(2);
    await expect(verifyWith(webhook!, OTHER)).resolves.toMatchObject({ senderId: SENDER });
    await expect(verifyWith(webhook!, OWN)).resolves.toMatchObject({ senderId: SENDER });
  });

  it.each([
    ['too short a key (16 bytes)', 'whsec_MfKQ9r8GKYqrTwjUPD8ILA=='],
    ['not base64', 'whsec_!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!'],
    ['too long a key (66 bytes)', `whsec_${Buffer.alloc(66, 7).toString('base64')}`],
    ['not a string', 42],
  ])('refuses %s with a 400 naming body.secret, and changes nothing', async (_, secret) => {
    const res = await put({ secret });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('body.secret');
    expect((await secretOf(server)).secret).toBe(OTHER);
  });
});
