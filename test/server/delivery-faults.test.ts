/**
 * Receivers that misbehave on purpose, seen through the public API: retries with the same
 * webhook-id, Retry-After, 410 Gone, timeouts, dead letters and redelivery, and per-conversation
 * order under concurrent conversations.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { assertBotMessageEvent } from '../support/contract.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { startWebhookReceiver, type ScriptedAnswer, type WebhookReceiver } from '../support/webhook-receiver.js';
import { waitFor } from '../support/wait-for.js';

const VERIFY_TOKEN = 'faults-verify-token';
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((x) => x.close()));
});

async function setUp(
  answer: (index: number, body: any) => ScriptedAnswer,
  env: Record<string, string> = {},
  channel: { handshake?: boolean } = {},
): Promise<{ server: TestServer; receiver: WebhookReceiver }> {
  const receiver = await startWebhookReceiver({ verifyToken: VERIFY_TOKEN, answer: (webhook, index) => answer(index, webhook.body) });
  const server = await startTestServer(env);
  open.push(server, receiver);
  expect((await server.call('putWebhookChannel', { body: { url: receiver.url, verifyToken: VERIFY_TOKEN, ...channel } })).status).toBe(200);
  return { server, receiver };
}

const say = (server: TestServer, text: string, sender = 'faults-sender-000000000001') =>
  server.call('sendMessage', { body: { sender: { id: sender }, message: { type: 'text', text } } });

async function deliveriesOf(server: TestServer, status?: string): Promise<any[]> {
  return ((await server.call('listDeliveries', { query: { limit: 100, ...(status && { status }) } })).body as any).data;
}

describe('delivery through misbehaving receivers', () => {
  it('retries a failing receiver with the same webhook-id until it answers 2xx', async () => {
    const { server, receiver } = await setUp((i) => ({ status: i < 2 ? 500 : 200 }));
    await say(server, 'help');
    await waitFor(async () => (await deliveriesOf(server, 'succeeded')).length >= 1);
    const ids = receiver.received.slice(0, 3).map((w) => w.headers['webhook-id']);
    expect(new Set(ids).size).toBe(1);
    const first = (await deliveriesOf(server)).find((d) => d.messageCounter === 1);
    const detail = (await server.call('getDelivery', { params: { deliveryId: first.id } })).body as any;
    expect(detail.attempts.map((a: any) => [a.statusCode, a.outcome])).toEqual([[500, 'failed'], [500, 'failed'], [200, 'succeeded']]);
    expect(detail.status).toBe('succeeded');
  });

  it('waits as long as Retry-After says after a 429', async () => {
    const { server, receiver } = await setUp((i) => (i === 0 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 }));
    await say(server, 'help');
    await receiver.waitForCount(2);
    const first = (await deliveriesOf(server)).find((d) => d.messageCounter === 1);
    await waitFor(async () => ((await server.call('getDelivery', { params: { deliveryId: first.id } })).body as any).status === 'succeeded');
    const [a, b] = ((await server.call('getDelivery', { params: { deliveryId: first.id } })).body as any).attempts;
    expect(a.statusCode).toBe(429);
    // The schedule says 20 ms; Retry-After says 1 s (less the ±20 % jitter it is not subject to).
    expect(Date.parse(b.attemptedAt) - Date.parse(a.attemptedAt)).toBeGreaterThanOrEqual(950);
  });

  it('disables the channel on 410 Gone, holds what follows, and resumes when configured again', async () => {
    let gone = true;
    const { server, receiver } = await setUp(() => ({ status: gone ? 410 : 200 }));
    await say(server, 'help');
    await waitFor(async () => ((await server.call('getWebhookChannel')).body as any).status === 'disabled');
    const channel = (await server.call('getWebhookChannel')).body as any;
    expect(channel.disabledReason).toMatch(/410/);
    const sentWhileGone = receiver.received.length;
    await say(server, 'menu');
    expect((await deliveriesOf(server, 'pending')).length).toBeGreaterThan(0);
    expect(receiver.received.length).toBe(sentWhileGone);

    gone = false;
    expect((await server.call('putWebhookChannel', { body: { url: receiver.url, verifyToken: VERIFY_TOKEN } })).status).toBe(200);
    await waitFor(async () => (await deliveriesOf(server, 'pending')).length === 0);
    const counters = receiver.received.filter((w) => w.body).map((w) => w.body.messageCounter);
    expect(Math.max(...counters)).toBe((await deliveriesOf(server)).length);
  });

  it('gives up a receiver slower than the timeout and tries again', async () => {
    // No handshake: it runs under the same 300 ms timeout, which a busy machine can miss (422).
    const { server, receiver } = await setUp((i) => (i === 0 ? { status: 200, delayMs: 1500 } : { status: 200 }), { WEBHOOK_TIMEOUT: '300ms' }, { handshake: false });
    await say(server, 'help');
    await receiver.waitForCount(2);
    const first = (await deliveriesOf(server)).find((d) => d.messageCounter === 1);
    await waitFor(async () => ((await server.call('getDelivery', { params: { deliveryId: first.id } })).body as any).status === 'succeeded');
    const detail = (await server.call('getDelivery', { params: { deliveryId: first.id } })).body as any;
    expect(detail.attempts[0].outcome).toBe('failed');
    expect(detail.attempts[0].statusCode).toBeUndefined();
    expect(detail.attempts[0].error).toMatch(/time/i);
  });

  it('marks a delivery failed after the last attempt, lets the conversation go on, and redelivers it on demand', async () => {
    let healthy = false;
    const { server, receiver } = await setUp(() => ({ status: healthy ? 200 : 503 }), { WEBHOOK_RETRY_SCHEDULE: '0,20ms,20ms' });
    await say(server, 'help');
    await waitFor(async () => (await deliveriesOf(server, 'failed')).length >= 1);
    const failed = (await deliveriesOf(server, 'failed')).find((d) => d.messageCounter === 1);
    expect(failed.attemptCount).toBe(3);

    const sentBefore = receiver.received.filter((w) => w.headers['webhook-id'] === failed.webhookId).length;
    healthy = true;
    const redelivered = await server.call('redeliverDelivery', { params: { deliveryId: failed.id } });
    expect(redelivered.status).toBe(202);
    await waitFor(async () => ((await server.call('getDelivery', { params: { deliveryId: failed.id } })).body as any).status === 'succeeded');
    // Sent again with the same webhook-id (the conversation's later messages may arrive around it).
    const again = receiver.received.filter((w) => w.headers['webhook-id'] === failed.webhookId);
    expect(again.length).toBeGreaterThan(sentBefore);
    assertBotMessageEvent(again.at(-1)!.body);
  });
});

describe('ordering', () => {
  it('keeps each conversation in order while many are delivered at once, through random failures and delays', async () => {
    // A fixed pseudo-random sequence, so that a failure is repeatable.
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    // Enough quick attempts that a 25 % failure rate never exhausts them (0.25^12).
    const { server, receiver } = await setUp(() => ({ status: random() < 0.25 ? 500 : 200, delayMs: Math.floor(random() * 15) }), {
      WEBHOOK_RETRY_SCHEDULE: '0,10ms,10ms,10ms,10ms,10ms,10ms,10ms,10ms,10ms,10ms,10ms',
    });
    const senders = Array.from({ length: 8 }, (_, i) => `order-sender-${String(i).padStart(10, '0')}`);
    for (const text of ['hi', 'carousel', 'media']) {
      await Promise.all(senders.map((sender) => say(server, text, sender)));
    }
    await waitFor(async () => (await deliveriesOf(server, 'pending')).length === 0, { timeoutMs: 60_000 });
    expect(await deliveriesOf(server, 'failed')).toEqual([]);
    for (const sender of senders) {
      const arrivals = receiver.received.filter((w) => w.body?.senderId === sender);
      // Never a message before every earlier one of its conversation was acknowledged.
      let acknowledged = 0;
      for (const arrival of arrivals) {
        expect(arrival.body.messageCounter).toBeLessThanOrEqual(acknowledged + 1);
        if (arrival.answeredStatus === 200) acknowledged = Math.max(acknowledged, arrival.body.messageCounter);
      }
      const accepted = arrivals.filter((w) => w.answeredStatus === 200).map((w) => w.body.messageCounter);
      expect(accepted).toEqual(Array.from({ length: accepted.length }, (_, i) => i + 1));
      expect(accepted.length).toBeGreaterThanOrEqual(3);
    }
  });
});
