/**
 * A business's view: configure the webhook, chat through the demo bot with every user message
 * type, and receive every bot message type at the webhook, signed, in order, schema-valid.
 * The signature is checked with an independent implementation (the `standardwebhooks` package).
 */
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBotMessageEvent } from '../support/contract.js';
import { SENDER, startTestServer, type TestServer } from '../support/server.js';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../support/webhook-receiver.js';
import { waitFor } from '../support/wait-for.js';

const VERIFY_TOKEN = 'e2e-verify-token';
let server: TestServer;
let receiver: WebhookReceiver;
let secret: string;

beforeAll(async () => {
  receiver = await startWebhookReceiver({ verifyToken: VERIFY_TOKEN });
  server = await startTestServer();
  expect((await server.call('putWebhookChannel', { body: { url: receiver.url, verifyToken: VERIFY_TOKEN } })).status).toBe(200);
  secret = ((await server.call('getWebhookSecret')).body as any).secret;
});
afterAll(async () => {
  await server?.close();
  await receiver?.close();
});

const USER_MESSAGES = [
  { type: 'intro' },
  { type: 'text', text: 'buttons' },
  { type: 'text', text: 'quick replies' },
  { type: 'postback', payload: 'show-carousel', title: 'Carousel' },
  { type: 'text', text: 'list' },
  { type: 'text', text: 'media' },
  { type: 'postback', payload: 'show-text' },
  { type: 'location', coordinates: { lat: 51.2194, long: 4.4025 } },
  { type: 'attachment', attachment: { type: 'image', url: 'https://cdn.example.com/uploads/receipt.png' } },
  { type: 'text', text: 'something the bot cannot understand 42' },
];

describe('chatting with the demo bot through the webhook channel', () => {
  let webhooks: ReceivedWebhook[] = [];
  let botMessageCount = 0;

  beforeAll(async () => {
    for (const message of USER_MESSAGES) {
      const res = await server.call('sendMessage', { body: { sender: { id: SENDER, firstName: 'Ada', locale: 'en' }, message } });
      expect(res.status).toBe(202);
    }
    const history = (await server.call('listConversationMessages', { params: { senderId: SENDER }, query: { limit: 100 } })).body as any;
    botMessageCount = history.rows.filter((row: any) => row.actor === 'bot').length;
    webhooks = await receiver.waitForCount(botMessageCount);
  });

  it('answers every user message with at least one bot message', async () => {
    const history = (await server.call('listConversationMessages', { params: { senderId: SENDER }, query: { limit: 100 } })).body as any;
    const userRows = history.rows.filter((row: any) => row.actor === 'user');
    expect(userRows).toHaveLength(USER_MESSAGES.length);
    for (const user of userRows) {
      expect(history.rows.some((row: any) => row.actor === 'bot' && row.sequence === user.sequence + 1)).toBe(true);
    }
  });

  it('delivers every bot message type of the spec', () => {
    const types = new Set(webhooks.map((w) => w.body.message.type));
    expect(types).toEqual(new Set(['text', 'buttons', 'quick_replies', 'carousel', 'list', 'media']));
  });

  it('signs each delivery so that an independent Standard Webhooks implementation verifies it', () => {
    const verifier = new Webhook(secret);
    for (const webhook of webhooks) {
      expect(() =>
        verifier.verify(webhook.rawBody, {
          'webhook-id': String(webhook.headers['webhook-id']),
          'webhook-timestamp': String(webhook.headers['webhook-timestamp']),
          'webhook-signature': String(webhook.headers['webhook-signature']),
        }),
      ).not.toThrow();
    }
    // And the check is real: a tampered body fails.
    const tampered = webhooks[0]!.rawBody.replace('"messageCounter":1', '"messageCounter":2');
    expect(() => verifier.verify(tampered, webhooks[0]!.headers as Record<string, string>)).toThrow();
  });

  it('sends bodies that match the spec, with the verify token and both id forms', () => {
    for (const webhook of webhooks) {
      assertBotMessageEvent(webhook.body);
      expect(webhook.headers['content-type']).toMatch(/^application\/json/);
      expect(webhook.body).toMatchObject({ senderId: SENDER, recipient: { id: SENDER }, botId: 'demo', verifyToken: VERIFY_TOKEN });
      expect(webhook.headers['webhook-id']).toBe(webhook.body.messageId);
    }
  });

  it('delivers in order, messageCounter 1, 2, 3… with no gap', () => {
    expect(webhooks.map((w) => w.body.messageCounter)).toEqual(Array.from({ length: botMessageCount }, (_, i) => i + 1));
  });

  it('fills variables from the sender into the messages', () => {
    expect(webhooks[0]!.body.message).toMatchObject({ type: 'text', text: expect.stringContaining('Ada') });
  });

  it('records each delivery as succeeded at its first attempt', async () => {
    await waitFor(async () => ((await server.call('listDeliveries', { query: { status: 'pending' } })).body as any).data.length === 0);
    const page = (await server.call('listDeliveries', { query: { limit: 100 } })).body as any;
    expect(page.data.length).toBeGreaterThanOrEqual(botMessageCount);
    expect(page.data.every((d: any) => d.status === 'succeeded' && d.attemptCount === 1)).toBe(true);
  });
});

describe('the legacy endpoint', () => {
  it('takes the platform documented body and the bot answers at the webhook', async () => {
    const sender = 'legacy-user-0000000000000000000000000001';
    const before = receiver.received.length;
    const res = await fetch(`${server.url}/api/webhookMessage/demo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'hi', sender: { id: sender }, verifyToken: VERIFY_TOKEN, locale: 'fr' }),
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('EVENT_RECEIVED');
    await waitFor(() => receiver.received.slice(before).some((w) => w.body.senderId === sender));
    const answer = receiver.received.slice(before).find((w) => w.body.senderId === sender)!;
    assertBotMessageEvent(answer.body);
    expect(answer.body.messageCounter).toBe(1);
  });

  it('treats a text equal to a button payload as the click', async () => {
    const sender = 'legacy-user-0000000000000000000000000002';
    const before = receiver.received.length;
    const res = await fetch(`${server.url}/api/webhookMessage/demo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'show-carousel', sender: { id: sender }, verifyToken: VERIFY_TOKEN }),
    });
    expect(res.status).toBe(200);
    await waitFor(() => receiver.received.slice(before).some((w) => w.body.senderId === sender && w.body.message.type === 'carousel'));
  });
});
