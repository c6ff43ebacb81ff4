/**
 * An integration written for the platform's Webhook channel, run against this server with only
 * its base URL and token changed (issue 9). Its receiver behaves as the platform's sample bridge
 * does (POST only, `verifyToken` check, 401 on a mismatch); it registers with `handshake: false`
 * and sends the platform's body to the channel's `messagesUrl`. Every answer and every webhook
 * body is checked against the spec.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhookChannelClient } from '../../client/index.js';
import { assertBotMessageEvent, fetchChecked, type WireResponse } from '../support/contract.js';
import { startPlatformReceiver, type PlatformReceiver } from '../support/platform-receiver.js';
import { startTestServer, TEST_TOKEN, type TestServer } from '../support/server.js';
import { waitFor } from '../support/wait-for.js';

const BRIDGE_TOKEN = 'bridge-verify-token';
const CHAT_ID = '712345678901234567';

let server: TestServer;
let receiver: PlatformReceiver;
let messagesUrl: string;

/** What the bridge does: POST the platform's body with the bot's token as Bearer. */
function sendAsThePlatformsIntegrations(body: unknown, headers: Record<string, string> = {}, url = messagesUrl): Promise<WireResponse> {
  return fetchChecked('sendChannelMessage', url, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

const bodiesFor = (senderId: string) => receiver.accepted.filter((w) => w.body.senderId === senderId).map((w) => w.body);

beforeAll(async () => {
  receiver = await startPlatformReceiver({ verifyToken: BRIDGE_TOKEN });
  server = await startTestServer();
  const configured = await server.call('putWebhookChannel', { body: { url: receiver.url, verifyToken: BRIDGE_TOKEN, handshake: false } });
  expect(configured.status).toBe(200);
  messagesUrl = (configured.body as any).messagesUrl;
});
afterAll(async () => {
  await server?.close();
  await receiver?.close();
});

describe("the platform's sample chat bridge", () => {
  it("gets the demo bot's three answers in order, addressed to its 18-digit chat id", async () => {
    const res = await sendAsThePlatformsIntegrations({
      message: { introMessage: {} },
      user: { id: CHAT_ID, firstName: 'Ada', preferredLanguage: 'en' },
      sessionData: { channelId: CHAT_ID },
    });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ senderId: CHAT_ID, deliveryUrl: receiver.url });

    await waitFor(() => bodiesFor(CHAT_ID).length >= 3, { what: 'three answers' });
    const answers = bodiesFor(CHAT_ID);
    expect(answers).toHaveLength(3);
    for (const body of answers) assertBotMessageEvent(body);
    expect(answers.map((b) => b.senderId)).toEqual([CHAT_ID, CHAT_ID, CHAT_ID]);
    expect(answers.map((b) => b.messageCounter)).toEqual([1, 2, 3]);
    expect(answers.map((b) => b.verifyToken)).toEqual([BRIDGE_TOKEN, BRIDGE_TOKEN, BRIDGE_TOKEN]);
    expect(answers[0].message).toEqual({ type: 'text', text: "Hi Ada! I'm the demo bot of the Webhook channel." });
    expect(answers[1].message.type).toBe('text');
    expect(answers[2].message).toMatchObject({ type: 'quick_replies', text: 'What would you like to see?' });
    expect(receiver.otherRequests).toEqual([]);

    const session = (await server.call('getConversationSession', { params: { senderId: CHAT_ID } })).body as any;
    expect(session.variables).toMatchObject({ firstName: 'Ada', preferredLanguage: 'en', channelId: CHAT_ID });
  });

  it('is refused by such a receiver (401) when the verify tokens differ, as the delivery log shows', async () => {
    const other = await startPlatformReceiver({ verifyToken: 'the-bridge-expects-this' });
    try {
      await server.call('putWebhookChannel', { body: { url: other.url, verifyToken: BRIDGE_TOKEN, handshake: false } });
      await sendAsThePlatformsIntegrations({ message: { textMessage: { text: 'hi' } }, user: { id: '712345678901234599' } });
      await waitFor(() => other.refused.length > 0, { what: 'a refused body' });
      expect(other.accepted).toEqual([]);
      const page = (await server.call('listDeliveries', { query: { senderId: '712345678901234599' } })).body as any;
      await waitFor(async () => ((await server.call('getDelivery', { params: { deliveryId: page.data.at(-1).id } })).body as any).attempts.length > 0);
      const detail = (await server.call('getDelivery', { params: { deliveryId: page.data.at(-1).id } })).body as any;
      expect(detail.attempts[0].statusCode).toBe(401);
    } finally {
      await server.call('putWebhookChannel', { body: { url: receiver.url, verifyToken: BRIDGE_TOKEN, handshake: false } });
      await other.close();
    }
  });
});

describe("the platform's chatbot-testing connector", () => {
  const conversationId = '3f2b8c1e-9d4a-4e7b-8f6a-1c2d3e4f5a6b';

  it('starts with an intro, clicks a quick reply by its title, and reads nlp when an intent matched', async () => {
    expect((await sendAsThePlatformsIntegrations({ conversationId, message: { introMessage: {} } })).status).toBe(202);
    await waitFor(() => bodiesFor(conversationId).length >= 3, { what: 'the intro answers' });

    // The connector sends only the title when a button's payload is not the platform's JSON.
    expect((await sendAsThePlatformsIntegrations({ conversationId, message: { postbackMessage: { title: 'Carousel' } } })).status).toBe(202);
    await waitFor(() => bodiesFor(conversationId).some((b) => b.message.type === 'carousel'), { what: 'the carousel' });

    expect((await sendAsThePlatformsIntegrations({ conversationId, message: { textMessage: { text: 'hello' } } })).status).toBe(202);
    await waitFor(() => bodiesFor(conversationId).some((b) => b.nlp), { what: 'an answer with nlp' });
    const bodies = bodiesFor(conversationId);
    for (const body of bodies) assertBotMessageEvent(body);
    const withNlp = bodies.filter((b) => b.nlp);
    expect(withNlp[0].nlp).toEqual({ intent: { name: 'greeting', score: 1 } });
    // Answers to the intro and to the click matched no intent: no nlp field at all.
    expect(bodies.filter((b) => b.messageCounter <= 4).every((b) => !('nlp' in b))).toBe(true);
  });

  it("goes to the bot state a postback's nextDialogstateId names, with sessionDataToSet as variables", async () => {
    const id = 'connector-state-jump-000001';
    const res = await sendAsThePlatformsIntegrations({
      conversationId: id,
      message: { postbackMessage: { title: 'Help', nextDialogstateId: 'help', sessionDataToSet: [{ key: 'plan.tier', value: 'gold' }] } },
    });
    expect(res.status).toBe(202);
    // `help` answers, then goes on to the menu; a first message the bot did not understand would get the intro.
    const history = (await server.call('listConversationMessages', { params: { senderId: id } })).body as any;
    expect(history.rows[1].message.text).toMatch(/^Type hi, menu/);
    const session = (await server.call('getConversationSession', { params: { senderId: id } })).body as any;
    expect(session.variables['plan.tier']).toBe('gold');
  });
});

describe('the per-channel message URL', () => {
  it('answers a retry with the same Idempotency-Key once', async () => {
    const body = { conversationId: 'idempotent-sender-0001', message: { textMessage: { text: 'menu' } } };
    const first = await sendAsThePlatformsIntegrations(body, { 'idempotency-key': 'v1-retry-1' });
    const again = await sendAsThePlatformsIntegrations(body, { 'idempotency-key': 'v1-retry-1' });
    expect((again.body as any).messageId).toBe((first.body as any).messageId);
    const conflict = await sendAsThePlatformsIntegrations({ ...body, message: { textMessage: { text: 'help' } } }, { 'idempotency-key': 'v1-retry-1' });
    expect(conflict.status).toBe(409);
  });

  it.each([
    ['neither user nor conversationId', { message: { textMessage: { text: 'hi' } } }, 'body.user'],
    ['two message kinds at once', { conversationId: 'x', message: { textMessage: { text: 'hi' }, introMessage: {} } }, 'body.message'],
    ['no message kind', { conversationId: 'x', message: {} }, 'body.message'],
    ['an empty postback', { conversationId: 'x', message: { postbackMessage: {} } }, 'body.message.postbackMessage'],
    ['a user id of 129 characters', { user: { id: 'x'.repeat(129) }, message: { introMessage: {} } }, 'body.user.id'],
    ['a native body', { sender: { id: 'x' }, message: { type: 'text', text: 'hi' } }, 'body.sender'],
  ])('answers 400 naming the field for %s', async (_name, body, location) => {
    const res = await sendAsThePlatformsIntegrations(body);
    expect(res.status).toBe(400);
    expect((res.body as any).errors.map((e: { location: string }) => e.location)).toContain(location);
  });

  it('is a typed call of the client too', async () => {
    const client = createWebhookChannelClient({ baseUrl: server.url, token: TEST_TOKEN });
    const channel = (await client.getWebhook('demo')).data!;
    const { data, error } = await client.sendChannelMessage(channel.id, { conversationId: 'client-sender-0001', message: { textMessage: { text: 'menu' } } });
    expect(error).toBeUndefined();
    expect(data?.senderId).toBe('client-sender-0001');
  });

  it('answers 401 for another token, and the same 401 for a channel that does not exist', async () => {
    const wrong = await sendAsThePlatformsIntegrations({ conversationId: 'x', message: { introMessage: {} } }, { authorization: 'Bearer not-the-token' });
    expect(wrong.status).toBe(401);
    const unknown = await sendAsThePlatformsIntegrations({ conversationId: 'x', message: { introMessage: {} } }, {}, `${server.url}/v1/channels/webhook/chn_00000000000000000000000000/messages`);
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
  });
});
