/**
 * What the console stands on, over HTTP: the channel list (no 404 before a channel exists), the
 * event log's `after=now`, and the built-in test receiver, which verifies real deliveries in the
 * server's own process and opens no way around the webhook URL rules.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SENDER, startTestServer, type TestServer } from '../support/server.js';
import { waitFor } from '../support/wait-for.js';

let server: TestServer;
beforeAll(async () => {
  // No host is allowed: only the built-in receiver's in-process URL can be local.
  server = await startTestServer({ WEBHOOK_ALLOWED_HOSTS: '' });
});
afterAll(() => server?.close());

describe('listChannels', () => {
  it('answers an empty list before the channel is configured, and the channel after', async () => {
    expect((await server.call('listChannels')).body).toEqual({ data: [] });
    const inbox = (await server.call('getTestReceiver')).body as any;
    expect((await server.call('putWebhookChannel', { body: { url: inbox.url, verifyToken: 'console-api-token' } })).status).toBe(200);
    const listed = (await server.call('listChannels')).body as any;
    expect(listed.data).toHaveLength(1);
    expect(listed.data[0]).toMatchObject({ botId: 'demo', url: inbox.url, status: 'active' });
  });
});

describe('the built-in test receiver', () => {
  it('names a URL in the server\'s own process, and receives every bot message verified with the channel\'s secret', async () => {
    const { url } = (await server.call('getTestReceiver')).body as any;
    expect(url).toBe('http://test-receiver.internal/bots/demo');
    await server.call('putWebhookChannel', { body: { url, verifyToken: 'console-api-token' } });
    expect((await server.call('sendMessage', { body: { sender: { id: SENDER }, message: { type: 'text', text: 'hi' } } })).status).toBe(202);
    await waitFor(async () => ((await server.call('getTestReceiver')).body as any).received.length >= 3, { what: 'three webhooks in the inbox' });
    const { received } = (await server.call('getTestReceiver')).body as any;
    for (const entry of received) {
      expect(entry).toMatchObject({ verified: true, headers: { 'webhook-id': entry.webhookId, 'webhook-timestamp': expect.any(String), 'webhook-signature': expect.stringMatching(/^v1,/) } });
      expect(JSON.parse(entry.body)).toMatchObject({ botId: 'demo', senderId: SENDER, verifyToken: 'console-api-token' });
    }
    // Newest first: the highest messageCounter leads.
    const counters = received.map((e: any) => JSON.parse(e.body).messageCounter);
    expect(counters).toEqual([...counters].sort((a, b) => b - a));
    const deliveries = ((await server.call('listDeliveries')).body as any).data;
    await waitFor(async () => ((await server.call('listDeliveries', { query: { status: 'pending' } })).body as any).data.length === 0);
    const detail = (await server.call('getDelivery', { params: { deliveryId: deliveries[0].id } })).body as any;
    expect(detail.attempts[0]).toMatchObject({ statusCode: 204, outcome: 'succeeded', url });
    // The delivery log keeps the request exactly as the receiver got it, signature included.
    const got = received.find((e: any) => e.webhookId === detail.webhookId);
    expect(detail.attempts[0].request).toEqual({
      headers: expect.objectContaining({
        'webhook-id': got.headers['webhook-id'],
        'webhook-timestamp': got.headers['webhook-timestamp'],
        'webhook-signature': got.headers['webhook-signature'],
      }),
      body: got.body,
    });
  });

  it('marks a webhook that does not verify, after a rotation past its grace, as refused with the kit\'s reason', async () => {
    // A receiver that kept an old secret: here, the inbox checks against the current secrets only,
    // so a body signed for another bot is refused instead.
    const receiver = server.server.delivery.testReceiver;
    const headers = { 'webhook-id': 'msg_forged', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,AAAA' };
    const outcome = await receiver.deliver({ url: 'http://test-receiver.internal/bots/demo', headers, body: '{"botId":"demo"}' });
    expect(outcome.statusCode).toBe(400);
    expect(receiver.inbox('demo')[0]).toMatchObject({ webhookId: 'msg_forged', verified: false, reason: 'no_matching_signature' });
    // A body that is another bot's (or no bot's) never gets into this bot's inbox.
    const before = receiver.inbox('demo').length;
    for (const body of ['{"botId":"other"}', '{}', 'not json']) {
      expect((await receiver.deliver({ url: 'http://test-receiver.internal/bots/demo', headers: { ...headers, 'webhook-id': 'msg_other' }, body })).statusCode).toBe(404);
    }
    expect(receiver.inbox('demo')).toHaveLength(before);
  });

  it("accepts a bot's own inbox only: another bot's is refused like any URL the rules refuse", async () => {
    const verify = server.server.delivery.verifyWebhookUrl;
    expect(await verify('http://test-receiver.internal/bots/demo', false, 'demo')).toEqual({ ok: true });
    const other = await verify('http://test-receiver.internal/bots/demo', false, 'other-bot');
    const unknown = await verify('http://test-receiver.internal/bots/no-such-bot', false, 'other-bot');
    expect(other).toMatchObject({ ok: false, refused: true });
    expect(other).toEqual(unknown);
  });

  it('opens no way around the URL rules: other .internal URLs, other paths and unknown bots are refused', async () => {
    for (const url of [
      'http://test-receiver.internal/bots/no-such-bot',
      'http://test-receiver.internal/bots/demo/../admin',
      'http://test-receiver.internal:8080/bots/demo',
      'http://other.internal/bots/demo',
      'http://127.0.0.1:9/bots/demo',
    ]) {
      const res = await server.call('putWebhookChannel', { body: { url, verifyToken: 'console-api-token' } });
      expect(res.status, url).toBe(422);
    }
  });
});

describe('the event log from now on', () => {
  it('answers no events and the current last id for after=now', async () => {
    const all = ((await server.call('streamEvents', { query: { limit: 500 } })).body as any).data;
    const now = (await server.call('streamEvents', { query: { after: 'now' } })).body as any;
    expect(now).toEqual({ data: [], lastEventId: all[all.length - 1].id });
  });
});

describe('the console page', () => {
  it('is one self-contained page that may talk to this server only', async () => {
    const res = await fetch(`${server.url}/console`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("connect-src 'self'");
    const html = await res.text();
    expect(html).toContain('<title>Webhook channel console</title>');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+stylesheet/);
  });
});
