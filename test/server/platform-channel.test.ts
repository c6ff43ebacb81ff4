/**
 * What receivers and senders written for the platform's Webhook channel need from the channel
 * configuration (issue 9): `handshake: false`, an optional verify token that is then absent from
 * every body, the channel's `id` and `messagesUrl`, and user ids of 1 to 128 characters.
 * Every answer goes through `call`, which checks it against the spec; every body through the
 * contract helper.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBotMessageEvent } from '../support/contract.js';
import { startPlatformReceiver, type PlatformReceiver } from '../support/platform-receiver.js';
import { startTestServer, TEST_TOKEN, type TestServer } from '../support/server.js';

let server: TestServer;
let receiver: PlatformReceiver;

beforeAll(async () => {
  receiver = await startPlatformReceiver();
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
  await receiver?.close();
});

describe('configuring a channel for a receiver written for the platform', () => {
  it('refuses such a receiver with the handshake (the default): it has no GET', async () => {
    const res = await server.call('putWebhookChannel', { body: { url: receiver.url, verifyToken: 'a-verify-token' } });
    expect(res.status).toBe(422);
    expect(receiver.otherRequests.some((r) => r.startsWith('GET '))).toBe(true);
  });

  it('needs a verify token for the handshake, naming the field', async () => {
    const res = await server.call('putWebhookChannel', { body: { url: receiver.url } });
    expect(res.status).toBe(400);
    expect((res.body as any).errors).toEqual([{ location: 'body.verifyToken', message: 'is required unless handshake is false' }]);
  });

  it('saves it active with handshake: false, without a verify token, with its id and messagesUrl', async () => {
    const before = receiver.otherRequests.length;
    const res = await server.call('putWebhookChannel', { body: { url: receiver.url, handshake: false } });
    expect(res.status).toBe(200);
    const channel = res.body as any;
    expect(channel).toMatchObject({ botId: 'demo', url: receiver.url, status: 'active' });
    expect(channel).not.toHaveProperty('verifyToken');
    expect(channel).not.toHaveProperty('verifiedAt');
    expect(channel.id).toMatch(/^chn_/);
    expect(channel.messagesUrl).toBe(`${server.url}/v1/channels/webhook/${channel.id}/messages`);
    expect(receiver.otherRequests.length).toBe(before);

    const again = (await server.call('getWebhookChannel')).body as any;
    expect(again).toMatchObject({ id: channel.id, messagesUrl: channel.messagesUrl });
  });

  it('keeps the channel id when the channel is configured again', async () => {
    const first = (await server.call('getWebhookChannel')).body as any;
    const res = await server.call('putWebhookChannel', { body: { url: receiver.url, handshake: false, verifyToken: 'now-with-a-token' } });
    expect((res.body as any).id).toBe(first.id);
    expect((res.body as any).verifyToken).toBe('now-with-a-token');
    await server.call('putWebhookChannel', { body: { url: receiver.url, handshake: false } });
  });

  it('still applies the URL rules without the handshake', async () => {
    const res = await server.call('putWebhookChannel', { body: { url: 'http://10.0.0.8/hook', handshake: false } });
    expect(res.status).toBe(422);
    expect((res.body as any).type).toMatch(/webhook-url-refused$/);
  });

  it('sends bodies without any verifyToken field when the channel has none, and the receiver takes them', async () => {
    const sender = '712345678901234567';
    expect((await server.call('sendMessage', { body: { sender: { id: sender }, message: { type: 'intro' } } })).status).toBe(202);
    const bodies = (await receiver.waitForAccepted(3)).filter((w) => w.body.senderId === sender);
    expect(bodies.length).toBeGreaterThan(0);
    for (const webhook of bodies) {
      assertBotMessageEvent(webhook.body);
      expect(webhook.rawBody).not.toContain('verifyToken');
    }
    const deliveries = (await server.call('listDeliveries', { query: { senderId: sender } })).body as any;
    const detail = (await server.call('getDelivery', { params: { deliveryId: deliveries.data[0].id } })).body as any;
    expect(detail.payload).not.toHaveProperty('verifyToken');
  });

  it('refuses the legacy endpoint for a channel without a verify token: nothing can authenticate it', async () => {
    const res = await server.call('legacySendMessage', { body: { sender: { id: '712345678901234567' }, text: 'hi', verifyToken: 'anything' }, token: false });
    expect(res.status).toBe(401);
  });
});

describe('the public base URL', () => {
  it('makes messagesUrl from PUBLIC_BASE_URL when it is configured', async () => {
    const other = await startTestServer({ PUBLIC_BASE_URL: 'https://chat.example.com/bots/' });
    try {
      const res = await other.call('putWebhookChannel', { body: { url: receiver.url, handshake: false } });
      const channel = res.body as any;
      expect(channel.messagesUrl).toBe(`https://chat.example.com/bots/v1/channels/webhook/${channel.id}/messages`);
    } finally {
      await other.close();
    }
  });
});

describe('user ids of 1 to 128 characters', () => {
  const ids: [string, string][] = [
    ['one character', 'u'],
    ["a chat's 18-digit id", '712345678901234568'],
    ['a UUID', '3f2b8c1e-9d4a-4e7b-8f6a-1c2d3e4f5a6b'],
    ['128 characters', 'a'.repeat(128)],
  ];

  it.each(ids)('accepts %s on the native and legacy sends, and in the history and session paths', async (_name, id) => {
    await server.call('putWebhookChannel', { body: { url: receiver.url, handshake: false, verifyToken: 'legacy-verify-token' } });
    try {
      expect((await server.call('sendMessage', { body: { sender: { id }, message: { type: 'text', text: 'hi' } } })).status).toBe(202);
      expect((await server.call('legacySendMessage', { body: { sender: { id }, text: 'menu', verifyToken: 'legacy-verify-token' }, token: false })).status).toBe(200);
      const history = await server.call('listConversationMessages', { params: { senderId: id } });
      expect(history.status).toBe(200);
      expect((history.body as any).count).toBeGreaterThanOrEqual(2);
      expect((await server.call('legacyGetHistory', { params: { senderId: id }, query: { access_token: TEST_TOKEN }, token: false })).status).toBe(200);
      const session = await server.call('getConversationSession', { params: { senderId: id } });
      expect((session.body as any).senderId).toBe(id);
    } finally {
      await server.call('putWebhookChannel', { body: { url: receiver.url, handshake: false } });
    }
  });

  it.each([
    ['empty', ''],
    ['129 characters', 'a'.repeat(129)],
  ])('refuses an id that is %s, on sends and paths', async (_name, id) => {
    expect((await server.call('sendMessage', { body: { sender: { id }, message: { type: 'text', text: 'hi' } } })).status).toBe(400);
    if (id !== '') expect((await server.call('listConversationMessages', { params: { senderId: id } })).status).toBe(400);
  });
});
