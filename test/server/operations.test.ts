/**
 * Every operation of the spec over real HTTP: its success and each declared error. Every answer
 * goes through `call`, which fails on any response the spec does not allow.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { callOperation, SENDER, startTestServer, TEST_TOKEN, type TestServer } from '../support/server.js';
import { waitFor } from '../support/wait-for.js';
import { fetchChecked } from '../support/contract.js';

let server: TestServer;
let receiver: WebhookReceiver;
const VERIFY_TOKEN = 'verify-token-for-tests';

beforeAll(async () => {
  receiver = await startWebhookReceiver({ verifyToken: VERIFY_TOKEN });
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
  await receiver?.close();
});

const text = (t: string, sender = SENDER) => ({ sender: { id: sender }, message: { type: 'text', text: t } });

describe('routing and the HTTP envelope', () => {
  it('answers an unknown route with a 404 problem', async () => {
    const res = await fetch(`${server.url}/v1/nothing-here`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect((await res.json()).title).toBe('Not Found');
  });

  it('answers a wrong method with 405 and the allowed methods', async () => {
    const res = await fetch(`${server.url}/v1/bots/demo/channels/webhook/messages`, { method: 'GET', headers: { authorization: `Bearer ${TEST_TOKEN}` } });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
  });
});

describe('operations', () => {
  it('getRoot sends a first visitor to the console, which links to the docs (issue 10, item 12)', async () => {
    const res = await fetchChecked('getRoot', `${server.url}/`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect((res.headers as Headers).get('location')).toBe('/console');
  });

  it('getHealth answers ok', async () => {
    expect((await server.call('getHealth')).body).toEqual({ status: 'ok' });
  });

  it('getReadiness answers ready while the store and the worker run', async () => {
    const res = await server.call('getReadiness');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ready', checks: { store: 'ok', delivery: 'ok' } });
  });

  it('getMetrics answers the Prometheus text format with the channel metrics', async () => {
    await server.call('getHealth');
    const res = await server.call('getMetrics');
    expect(res.body).toMatch(/# TYPE webhook_channel_http_requests_total counter/);
    expect(res.body).toMatch(/webhook_channel_http_requests_total\{operation="getHealth",status="200"\}/);
  });

  it('getOpenApiDocument answers the document itself', async () => {
    const res = await server.call('getOpenApiDocument');
    expect(res.body).toMatch(/^openapi: 3\.1\.0/);
  });

  it('getDocs answers the built HTML docs', async () => {
    const res = await server.call('getDocs');
    expect(res.status).toBe(200);
    expect(res.body).toMatch(/<html/i);
  });
});

describe('sendMessage', () => {
  it('accepts a user message with 202, its id, conversation and sequence', async () => {
    const res = await server.call('sendMessage', { body: text('hi') });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ senderId: SENDER, sequence: expect.any(Number) });
  });

  it.each([
    ['empty', '', 'must NOT have fewer than 1 characters'],
    ['129 characters long', 'x'.repeat(129), 'must NOT have more than 128 characters'],
  ])('refuses a sender id that is %s, naming the field', async (_name, id, message) => {
    const res = await server.call('sendMessage', { body: text('hi', id) });
    expect(res.status).toBe(400);
    expect((res.body as any).errors).toContainEqual({ location: 'body.sender.id', message });
  });

  it('names the message type when it is not one the spec knows', async () => {
    const res = await server.call('sendMessage', { body: { sender: { id: SENDER }, message: { type: 'sticker' } } });
    expect(res.status).toBe(400);
    expect((res.body as any).errors).toEqual([
      { location: 'body.message.type', message: 'must be one of "text", "postback", "location", "attachment", "intro"' },
    ]);
  });

  it('reports only the errors of the message type the client chose', async () => {
    const res = await server.call('sendMessage', { body: { sender: { id: SENDER }, message: { type: 'location', coordinates: { lat: 91 } } } });
    expect(res.status).toBe(400);
    expect((res.body as any).errors).toEqual(
      expect.arrayContaining([
        { location: 'body.message.coordinates.lat', message: 'must be <= 90' },
        { location: 'body.message.coordinates.long', message: 'is required' },
      ]),
    );
    expect(JSON.stringify(res.body)).not.toMatch(/payload|attachment/);
  });

  it('refuses a missing body and malformed JSON with 400', async () => {
    expect((await server.call('sendMessage', {})).status).toBe(400);
    const malformed = await server.call('sendMessage', { body: '{"sender": ' });
    expect(malformed.status).toBe(400);
    expect((malformed.body as any).errors[0].location).toBe('body');
  });

  it('answers 401 without a token and with a wrong one', async () => {
    expect((await server.call('sendMessage', { body: text('hi'), token: false })).status).toBe(401);
    expect((await server.call('sendMessage', { body: text('hi'), token: 'wrong-token-0123456789' })).status).toBe(401);
  });

  it('answers an unknown bot 401, as for a wrong token: nothing tells which bots exist', async () => {
    expect((await server.call('sendMessage', { body: text('hi'), params: { botId: 'no-such-bot' } })).status).toBe(401);
  });

  it('answers 415 for a body that is not JSON', async () => {
    const res = await server.call('sendMessage', { body: 'hi', headers: { 'content-type': 'text/plain' } });
    expect(res.status).toBe(415);
    expect((res.body as any).errors[0].location).toBe('header.content-type');
  });

  it('answers 413 for a body over the limit', async () => {
    const res = await server.call('sendMessage', { body: { ...text('hi'), sessionData: { big: 'x'.repeat(300 * 1024) } } });
    expect(res.status).toBe(413);
  });

  it('answers the first result again for the same Idempotency-Key and body, and 409 for another body', async () => {
    const key = `key-${Date.now()}`;
    const first = await server.call('sendMessage', { body: text('menu'), headers: { 'idempotency-key': key } });
    const again = await server.call('sendMessage', { body: text('menu'), headers: { 'idempotency-key': key } });
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    const conflict = await server.call('sendMessage', { body: text('help'), headers: { 'idempotency-key': key } });
    expect(conflict.status).toBe(409);
  });

  it('answers 429 with Retry-After past the rate limit', async () => {
    // The clock stands still, so the bucket never refills however slow the machine is.
    const stopped = Date.now();
    const limited = await startTestServer({ RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '2' }, { clock: { now: () => stopped } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await limited.call('sendMessage', { body: text(`hi ${i}`) });
        statuses.push(res.status);
        if (res.status === 429) expect(Number((res.headers as Headers).get('retry-after'))).toBeGreaterThanOrEqual(1);
      }
      expect(statuses).toEqual([202, 202, 429, 429]);
    } finally {
      await limited.close();
    }
  });
});

describe('the webhook channel configuration', () => {
  it('answers 404 before a channel is configured', async () => {
    expect((await server.call('getWebhookChannel')).status).toBe(404);
    expect((await server.call('getWebhookSecret')).status).toBe(404);
    expect((await server.call('rotateWebhookSecret')).status).toBe(404);
    expect((await server.call('deleteWebhookChannel')).status).toBe(404);
  });

  it('refuses a URL that does not echo the challenge, saying what it answered', async () => {
    const res = await server.call('putWebhookChannel', { body: { url: receiver.url, verifyToken: 'not-the-receivers-token' } });
    expect(res.status).toBe(422);
    expect((res.body as any).detail).toMatch(/403/);
    expect((await server.call('getWebhookChannel')).status).toBe(404);
  });

  it('refuses a plain-http URL of a host that is not allowed, without calling it', async () => {
    const res = await server.call('putWebhookChannel', { body: { url: 'http://intranet.example/hook', verifyToken: VERIFY_TOKEN } });
    expect(res.status).toBe(422);
    expect((res.body as any).errors[0].location).toBe('body.url');
  });

  it('refuses an invalid body with 400 naming the field', async () => {
    const res = await server.call('putWebhookChannel', { body: { url: 'not a url', verifyToken: VERIFY_TOKEN } });
    expect(res.status).toBe(400);
    expect((res.body as any).errors.map((e: any) => e.location)).toContain('body.url');
  });

  it('saves the channel active once the handshake echoed the challenge', async () => {
    const res = await server.call('putWebhookChannel', { body: { url: receiver.url, verifyToken: VERIFY_TOKEN } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ botId: 'demo', url: receiver.url, verifyToken: VERIFY_TOKEN, status: 'active' });
    expect(receiver.handshakes.at(-1)?.get('hub.verify_token')).toBe(VERIFY_TOKEN);
    expect((await server.call('getWebhookChannel')).body).toMatchObject({ status: 'active' });
  });

  it('gives a whsec_ secret, and keeps the previous one during a rotation', async () => {
    const before = (await server.call('getWebhookSecret')).body as any;
    expect(before.secret).toMatch(/^whsec_/);
    const rotated = (await server.call('rotateWebhookSecret')).body as any;
    expect(rotated.secret).not.toBe(before.secret);
    expect(rotated.previousSecret).toBe(before.secret);
    expect(Date.parse(rotated.previousExpiresAt)).toBeGreaterThan(Date.now());
  });

  it('removes the channel with 204', async () => {
    const other = await startTestServer();
    try {
      await other.call('putWebhookChannel', { body: { url: receiver.url, verifyToken: VERIFY_TOKEN } });
      expect((await other.call('deleteWebhookChannel')).status).toBe(204);
      expect((await other.call('getWebhookChannel')).status).toBe(404);
    } finally {
      await other.close();
    }
  });
});

describe('deliveries and conversations', () => {
  it('lists deliveries page by page, gets one with its attempts, and redelivers it', async () => {
    await server.call('putWebhookChannel', { body: { url: receiver.url, verifyToken: VERIFY_TOKEN } });
    await server.call('sendMessage', { body: text('hi') });
    await waitFor(async () => ((await server.call('listDeliveries', { query: { status: 'succeeded' } })).body as any).data.length >= 2);

    const first = (await server.call('listDeliveries', { query: { limit: 1 } })).body as any;
    expect(first.data).toHaveLength(1);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = (await server.call('listDeliveries', { query: { limit: 1, cursor: first.nextCursor } })).body as any;
    expect(second.data[0].id).not.toBe(first.data[0].id);

    const succeeded = ((await server.call('listDeliveries', { query: { status: 'succeeded' } })).body as any).data[0];
    const detail = (await server.call('getDelivery', { params: { deliveryId: succeeded.id } })).body as any;
    expect(detail.attempts[0]).toMatchObject({ number: 1, outcome: 'succeeded', statusCode: 200 });
    expect(detail.payload.verifyToken).toBe(VERIFY_TOKEN);

    const redelivered = await server.call('redeliverDelivery', { params: { deliveryId: succeeded.id } });
    expect(redelivered.status).toBe(202);
    expect((redelivered.body as any).status).toBe('pending');
  });

  it('answers 202 to redeliver a pending delivery (attempt now), 404 for an unknown one, 400 for a bad cursor', async () => {
    const held = await startTestServer({}, { startDelivery: false });
    try {
      await held.call('putWebhookChannel', { body: { url: receiver.url, verifyToken: VERIFY_TOKEN } });
      await held.call('sendMessage', { body: text('hi') });
      const pending = ((await held.call('listDeliveries', { query: { status: 'pending' } })).body as any).data[0];
      const redelivered = await held.call('redeliverDelivery', { params: { deliveryId: pending.id } });
      expect(redelivered.status).toBe(202);
      expect(redelivered.body).toMatchObject({ id: pending.id, status: 'pending' });
    } finally {
      await held.close();
    }
    expect((await server.call('getDelivery', { params: { deliveryId: 'dlv_00000000000000000000000000' } })).status).toBe(404);
    expect((await server.call('redeliverDelivery', { params: { deliveryId: 'dlv_00000000000000000000000000' } })).status).toBe(404);
    expect((await server.call('getDelivery', { params: { deliveryId: 'not-an-id' } })).status).toBe(400);
    expect((await server.call('listDeliveries', { query: { cursor: 'garbage' } })).status).toBe(400);
  });

  it('gives the history oldest first with the count, and the session', async () => {
    const sender = 'history-sender-000000000001';
    await server.call('sendMessage', { body: { sender: { id: sender, firstName: 'Ada' }, message: { type: 'intro' } } });
    const page = (await server.call('listConversationMessages', { params: { senderId: sender } })).body as any;
    expect(page.count).toBeGreaterThanOrEqual(2);
    expect(page.rows[0]).toMatchObject({ actor: 'user', sequence: 1, message: { type: 'intro' } });
    expect(page.rows[1]).toMatchObject({ actor: 'bot', sequence: 2, messageCounter: 1 });
    const limited = (await server.call('listConversationMessages', { params: { senderId: sender }, query: { offset: 1, limit: 1 } })).body as any;
    expect(limited.rows).toHaveLength(1);
    expect(limited.rows[0].sequence).toBe(2);
    const session = (await server.call('getConversationSession', { params: { senderId: sender } })).body as any;
    expect(session.variables.firstName).toBe('Ada');
  });

  it('answers 404 for a conversation that does not exist, and 400 for a bad limit', async () => {
    expect((await server.call('listConversationMessages', { params: { senderId: 'nobody-000000000000000000' } })).status).toBe(404);
    expect((await server.call('getConversationSession', { params: { senderId: 'nobody-000000000000000000' } })).status).toBe(404);
    const bad = await server.call('listConversationMessages', { params: { senderId: SENDER }, query: { limit: 0 } });
    expect(bad.status).toBe(400);
    expect((bad.body as any).errors[0].location).toBe('query.limit');
  });
});

describe('the legacy API', () => {
  it('accepts the platform documented body with EVENT_RECEIVED, and refuses a wrong verify token', async () => {
    await server.call('putWebhookChannel', { body: { url: receiver.url, verifyToken: VERIFY_TOKEN } });
    const body = { text: 'hi', sender: { id: SENDER }, verifyToken: VERIFY_TOKEN, locale: 'fr' };
    const ok = await server.call('legacySendMessage', { body, token: false });
    expect(ok.status).toBe(200);
    expect(ok.body).toBe('EVENT_RECEIVED');
    expect((await server.call('legacySendMessage', { body: { ...body, verifyToken: 'wrong-token' }, token: false })).status).toBe(401);
    expect((await server.call('legacySendMessage', { body: { ...body, text: undefined }, token: false })).status).toBe(400);
    expect((await server.call('legacySendMessage', { body, token: false, params: { botId: 'nope' } })).status).toBe(401);
  });

  it('gives the history with access_token, and 401 without', async () => {
    const ok = await server.call('legacyGetHistory', { params: { senderId: SENDER }, query: { access_token: TEST_TOKEN }, token: false });
    expect(ok.status).toBe(200);
    expect((ok.body as any).count).toBeGreaterThan(0);
    expect((await server.call('legacyGetHistory', { params: { senderId: SENDER }, token: false })).status).toBe(401);
  });
});

it('callOperation checks responses for real: an undeclared status fails', async () => {
  await expect(callOperation(server.url, 'getHealth', { params: {} }).then(() => 'ok')).resolves.toBe('ok');
  const { assertResponseMatchesSpec } = await import('../support/contract.js');
  expect(() => assertResponseMatchesSpec('getHealth', { status: 418, headers: {}, body: {} })).toThrow(/does not declare/);
});
