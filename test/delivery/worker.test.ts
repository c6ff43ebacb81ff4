/**
 * The delivery worker over real HTTP, against a local receiver that misbehaves on purpose, with
 * a real (in-memory) store and a fake clock that the tests move.
 */
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { claimDueDeliveries, rotateSecret, saveChannel } from '../../server/store/index.js';
import { assertBotMessageEvent } from '../support/contract.js';
import { waitFor } from '../support/wait-for.js';
import { startWebhookReceiver, type ReceivedWebhook, type ScriptedAnswer, type WebhookReceiver } from '../support/webhook-receiver.js';
import { BOT_ID, CHANNEL_ID, SECRET, senderId, startDeliveryFixture, VERIFY_TOKEN, type DeliveryFixture } from './fixture.js';

let receiver: WebhookReceiver;
let fx: DeliveryFixture;
afterEach(async () => {
  await fx?.close();
  await receiver?.close();
});

async function setUp(
  answer?: (webhook: ReceivedWebhook, index: number) => ScriptedAnswer,
  options: Parameters<typeof startDeliveryFixture>[1] = {},
): Promise<void> {
  receiver = await startWebhookReceiver({ answer });
  fx = await startDeliveryFixture(receiver.url, options);
}

/** `answers` in turn, then 200 for ever. */
const inTurn = (...answers: ScriptedAnswer[]) => (_w: ReceivedWebhook, i: number) => answers[i] ?? { status: 200 };

const verify = (webhook: ReceivedWebhook, secret = SECRET) => new Webhook(secret).verify(webhook.rawBody, webhook.headers as Record<string, string>);

describe('a bot message on the wire', () => {
  it('is one POST with the spec’s botMessage body and headers, signed so standardwebhooks verifies it', async () => {
    await setUp();
    const [queued] = await fx.queue(senderId(1), ['Hi Ada!']);
    const [webhook] = await receiver.waitForCount(1);

    assertBotMessageEvent(webhook.body);
    expect(webhook.body).toMatchObject({ senderId: senderId(1), recipient: { id: senderId(1) }, botId: BOT_ID, messageCounter: 1, verifyToken: VERIFY_TOKEN, message: { type: 'text', text: 'Hi Ada!' } });
    expect(webhook.headers['content-type']).toBe('application/json');
    expect(webhook.headers['user-agent']).toMatch(/webhook-channel/);
    expect(webhook.headers['webhook-id']).toBe(queued.webhookId);
    expect(webhook.headers['webhook-timestamp']).toBe(String(Math.floor(fx.clock.now() / 1000)));
    expect(webhook.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/=]+$/);
    expect(verify(webhook)).toEqual(webhook.body);

    const delivery = await fx.waitForDelivery(queued.deliveryId, (d) => d.status === 'succeeded', 'to succeed');
    expect(delivery.attempts).toMatchObject([{ number: 1, statusCode: 200, outcome: 'succeeded', error: null, url: receiver.url }]);
  });

  it('takes verifyToken from the channel at send time, not from when the message was queued', async () => {
    await setUp(undefined, { startWorker: false });
    await fx.queue(senderId(1), ['Hi']);
    await saveChannel(fx.database.db, { botId: BOT_ID, url: receiver.url, verifyToken: 'a-newer-verify-token', newId: CHANNEL_ID, newSecret: 'unused', now: fx.clock.now() });
    fx.worker.start();
    const [webhook] = await receiver.waitForCount(1);
    expect(webhook.body.verifyToken).toBe('a-newer-verify-token');
  });

  it('is signed with both secrets during a rotation, and with the new one only after it', async () => {
    await setUp();
    const newSecret = `whsec_${Buffer.alloc(24, 2).toString('base64')}`;
    await rotateSecret(fx.database.db, { botId: BOT_ID, secret: newSecret, previousExpiresAt: fx.clock.now() + 60_000, now: fx.clock.now() });
    await fx.queue(senderId(1), ['during the rotation']);
    const [during] = await receiver.waitForCount(1);
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verify(during, SECRET)).toEqual(during.body);
    expect(verify(during, newSecret)).toEqual(during.body);

    fx.clock.advance(60_000);
    await fx.queue(senderId(2), ['after the rotation']);
    const [, after] = await receiver.waitForCount(2);
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(verify(after, newSecret)).toEqual(after.body);
    expect(() => verify(after, SECRET)).toThrow(/No matching signature/);
  });
});

describe('waking', () => {
  it('sends as soon as it is woken after a commit, without waiting for the poll', async () => {
    await setUp(undefined, { pollMs: 600_000 });
    await waitFor(() => fx.worker.isRunning, { what: 'the worker to run' });
    const started = Date.now();
    await fx.queue(senderId(1), ['now']); // wakes the worker
    await receiver.waitForCount(1, 5_000);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('resumes a delivery whose worker died, once its lease expires', async () => {
    await setUp(undefined, { startWorker: false, leaseMs: 30_000 });
    const [queued] = await fx.queue(senderId(1), ['left behind']);
    // A worker claims it and dies before answering.
    const [claimed] = await claimDueDeliveries(fx.database.db, { now: fx.clock.now(), leaseMs: 30_000, limit: 10 });
    expect(claimed!.id).toBe(queued.deliveryId);

    fx.clock.advance(30_000);
    fx.worker.start();
    const [webhook] = await receiver.waitForCount(1);
    expect(webhook.headers['webhook-id']).toBe(queued.webhookId);
    const delivery = await fx.waitForDelivery(queued.deliveryId, (d) => d.status === 'succeeded', 'to succeed');
    expect(delivery.attempts.map((a) => a.number)).toEqual([2]);
  });
});

describe('retries', () => {
  it('redelivers with the same webhook-id after a 500, on the schedule', async () => {
    await setUp(inTurn({ status: 500 }));
    const t0 = fx.clock.now();
    const [queued] = await fx.queue(senderId(1), ['again']);

    const failed = await fx.waitForDelivery(queued.deliveryId, (d) => d.attempts.length === 1, 'to have one attempt');
    expect(failed).toMatchObject({ status: 'pending', nextAttemptAt: t0 + 5_000, lastStatusCode: 500 });
    expect(failed.attempts[0]).toMatchObject({ number: 1, statusCode: 500, outcome: 'failed', error: 'answered 500' });

    fx.clock.advance(5_000);
    fx.worker.wake();
    const [first, second] = await receiver.waitForCount(2);
    expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(Number(second.headers['webhook-timestamp'])).toBe(Number(first.headers['webhook-timestamp']) + 5);
    expect(second.rawBody).toBe(first.rawBody);
    expect(verify(second)).toEqual(second.body);
    const delivered = await fx.waitForDelivery(queued.deliveryId, (d) => d.status === 'succeeded', 'to succeed');
    expect(delivered.attempts.map((a) => a.statusCode)).toEqual([500, 200]);
  });

  it('follows the jittered schedule, then gives up and marks the delivery failed (dead letter)', async () => {
    await setUp(() => ({ status: 503 }), { retryScheduleMs: [0, 1_000, 2_000], random: () => 0.25 }); // 0.25 → −10 %
    const [queued] = await fx.queue(senderId(1), ['never lands']);

    for (const [attempt, delay] of [[1, 900], [2, 1_800]]) {
      const pending = await fx.waitForDelivery(queued.deliveryId, (d) => d.attempts.length === attempt, `to have ${attempt} attempts`);
      expect(pending.nextAttemptAt - pending.lastAttemptAt!).toBe(delay);
      fx.clock.advance(delay);
      fx.worker.wake();
    }
    const dead = await fx.waitForDelivery(queued.deliveryId, (d) => d.status === 'failed', 'to fail');
    expect(dead.attempts.map((a) => [a.number, a.statusCode, a.outcome])).toEqual([
      [1, 503, 'failed'],
      [2, 503, 'failed'],
      [3, 503, 'failed'],
    ]);
    expect(receiver.received.map((w) => w.headers['webhook-id'])).toEqual(Array(3).fill(queued.webhookId));
    expect(await fx.registry.getSingleMetricAsString('webhook_channel_deliveries_total')).toMatch(/webhook_channel_deliveries_total\{outcome="failed"\} 1/);
  });

  it('waits what a 429’s Retry-After asks for', async () => {
    await setUp(inTurn({ status: 429, headers: { 'retry-after': '30' } }));
    const [queued] = await fx.queue(senderId(1), ['slow down']);
    const limited = await fx.waitForDelivery(queued.deliveryId, (d) => d.attempts.length === 1, 'to have one attempt');
    expect(limited.nextAttemptAt - limited.lastAttemptAt!).toBe(30_000);
    expect(limited.attempts[0]).toMatchObject({ statusCode: 429, error: 'answered 429' });

    fx.clock.advance(30_000);
    fx.worker.wake();
    await fx.waitForDelivery(queued.deliveryId, (d) => d.status === 'succeeded', 'to succeed');
  });

  it('times out an attempt that outlasts the timeout, and retries it with the same webhook-id', async () => {
    await setUp(inTurn({ status: 200, delayMs: 3_000 }), { timeoutMs: 300 });
    const [queued] = await fx.queue(senderId(1), ['slow receiver']);
    const timedOut = await fx.waitForDelivery(queued.deliveryId, (d) => d.attempts.length === 1, 'to have one attempt');
    expect(timedOut.attempts[0]).toMatchObject({ statusCode: null, outcome: 'failed', error: 'timed out after 300 ms' });
    expect(timedOut.attempts[0].latencyMs).toBeGreaterThanOrEqual(250);

    fx.clock.advance(5_000);
    fx.worker.wake();
    const [first, second] = await receiver.waitForCount(2);
    expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
    await fx.waitForDelivery(queued.deliveryId, (d) => d.status === 'succeeded', 'to succeed');
  });

  it('retries after the receiver closes the connection without answering', async () => {
    await setUp(inTurn({ status: 200, hangUp: true }));
    const [queued] = await fx.queue(senderId(1), ['hang up']);
    const dropped = await fx.waitForDelivery(queued.deliveryId, (d) => d.attempts.length === 1, 'to have one attempt');
    expect(dropped.attempts[0]).toMatchObject({ statusCode: null, error: 'closed the connection without answering' });
    fx.clock.advance(5_000);
    fx.worker.wake();
    await fx.waitForDelivery(queued.deliveryId, (d) => d.status === 'succeeded', 'to succeed');
  });

  it('retries when nothing listens at the URL', async () => {
    await setUp();
    const closedUrl = receiver.url;
    await receiver.close();
    const [queued] = await fx.queue(senderId(1), ['nobody home']);
    const refused = await fx.waitForDelivery(queued.deliveryId, (d) => d.attempts.length === 1, 'to have one attempt');
    expect(refused).toMatchObject({ status: 'pending', lastStatusCode: null });
    expect(refused.attempts[0]).toMatchObject({ statusCode: null, error: 'connection refused', url: closedUrl });
  });
});

describe('410 Gone', () => {
  it('disables the channel, holds the conversation, and resumes in order once the channel is configured again', async () => {
    await setUp(inTurn({ status: 410 }));
    const [first, second] = await fx.queue(senderId(1), ['one', 'two']);

    const held = await fx.waitForDelivery(first.deliveryId, (d) => d.attempts.length === 1, 'to have one attempt');
    expect(held).toMatchObject({ status: 'pending', lastStatusCode: 410 });
    expect(await fx.channel()).toMatchObject({ status: 'disabled', disabledReason: expect.stringMatching(/410/) });
    // Nothing of this channel is due while it is disabled, so nothing more is sent.
    expect(await claimDueDeliveries(fx.database.db, { now: fx.clock.now() + 86_400_000, leaseMs: 1, limit: 10 })).toEqual([]);
    expect(await fx.registry.getSingleMetricAsString('webhook_channel_deliveries_total')).toMatch(/outcome="disabled"\} 1/);

    await saveChannel(fx.database.db, { botId: BOT_ID, url: receiver.url, verifyToken: VERIFY_TOKEN, newId: CHANNEL_ID, newSecret: 'unused', now: fx.clock.now() });
    fx.worker.wake();
    await fx.waitForDelivery(second.deliveryId, (d) => d.status === 'succeeded', 'to succeed');
    expect(receiver.received.map((w) => [w.headers['webhook-id'], w.body.messageCounter])).toEqual([
      [first.webhookId, 1],
      [first.webhookId, 1],
      [second.webhookId, 2],
    ]);
  });
});

describe('ordering and concurrency', () => {
  it('keeps each conversation in order while different conversations are delivered concurrently', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const failedOnce = new Set<string>();
    receiver = await startWebhookReceiver({
      answer: (webhook) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        setTimeout(() => inFlight--, 80);
        // The first message of the second conversation fails once: its conversation must wait for it.
        const key = `${webhook.body.senderId}#${webhook.body.messageCounter}`;
        if (key === `${senderId(2)}#1` && !failedOnce.has(key)) {
          failedOnce.add(key);
          return { status: 500, delayMs: 80 };
        }
        return { status: 200, delayMs: 80 };
      },
    });
    fx = await startDeliveryFixture(receiver.url, { retryScheduleMs: [0, 0, 0], perChannelConcurrency: 3 });

    const queued = (await Promise.all([1, 2, 3, 4].map((n) => fx.queue(senderId(n), ['a', 'b', 'c'])))).flat();
    await Promise.all(queued.map((q) => fx.waitForDelivery(q.deliveryId, (d) => d.status === 'succeeded', 'to succeed')));

    for (const n of [1, 2, 3, 4]) {
      const counters = receiver.received.filter((w) => w.body.senderId === senderId(n)).map((w) => w.body.messageCounter);
      expect(counters, `conversation ${n}`).toEqual(n === 2 ? [1, 1, 2, 3] : [1, 2, 3]);
    }
    expect(maxInFlight).toBeGreaterThan(1); // conversations overlap…
    expect(maxInFlight).toBeLessThanOrEqual(3); // …within the channel's bound
  });
});

describe('stopping', () => {
  it('lets an in-flight attempt finish within the grace period', async () => {
    await setUp(() => ({ status: 200, delayMs: 300 }));
    const [queued] = await fx.queue(senderId(1), ['finish me']);
    await receiver.waitForCount(1);
    await fx.worker.stop({ graceMs: 10_000 });
    const delivery = await fx.waitForDelivery(queued.deliveryId, () => true, 'to exist');
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: [{ statusCode: 200 }] });
  });

  it('aborts an attempt that outlasts the grace period, and another worker delivers it after the lease (at least once)', async () => {
    await setUp(inTurn({ status: 200, delayMs: 5_000 }), { leaseMs: 40_000, timeoutMs: 10_000 });
    const [queued] = await fx.queue(senderId(1), ['interrupted']);
    await receiver.waitForCount(1);

    const stopping = Date.now();
    await fx.worker.stop({ graceMs: 100 });
    expect(Date.now() - stopping).toBeLessThan(3_000);
    const interrupted = await fx.waitForDelivery(queued.deliveryId, () => true, 'to exist');
    expect(interrupted).toMatchObject({ status: 'pending', attempts: [] });

    fx.clock.advance(40_000);
    fx.newWorker().start();
    const [first, second] = await receiver.waitForCount(2);
    expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
    await fx.waitForDelivery(queued.deliveryId, (d) => d.status === 'succeeded', 'to succeed');
  });
});

describe('metrics', () => {
  it('counts deliveries and attempts, times attempts, and reports the queue depth from the store', async () => {
    await setUp(undefined, { startWorker: false });
    await fx.queue(senderId(1), ['a', 'b']);
    expect(await fx.registry.getSingleMetricAsString('webhook_channel_delivery_queue_depth')).toMatch(/webhook_channel_delivery_queue_depth 2/);

    fx.worker.start();
    await receiver.waitForCount(2);
    await waitFor(async () => /outcome="succeeded"\} 2/.test(await fx.registry.getSingleMetricAsString('webhook_channel_deliveries_total')), {
      what: 'two delivered',
    });
    expect(await fx.registry.getSingleMetricAsString('webhook_channel_delivery_attempts_total')).toMatch(/result="2xx"\} 2/);
    expect(await fx.registry.getSingleMetricAsString('webhook_channel_delivery_attempt_duration_seconds')).toMatch(
      /webhook_channel_delivery_attempt_duration_seconds_count\{result="2xx"\} 2/,
    );
    expect(await fx.registry.getSingleMetricAsString('webhook_channel_delivery_queue_depth')).toMatch(/webhook_channel_delivery_queue_depth 0/);
  });
});

describe('many attempts in flight', () => {
  it('warns of no listener leak: each attempt listens to the shutdown signal only until its answer ends', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => void warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    try {
      await setUp(() => ({ status: 200, delayMs: 200 }), { concurrency: 24, perChannelConcurrency: 24 });
      await Promise.all(Array.from({ length: 24 }, (_, n) => fx.queue(senderId(n + 1), ['at once'])));
      await receiver.waitForCount(24);
      await waitFor(() => receiver.received.every((w) => w.answeredStatus === 200), { what: 'every answer' });
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning'))).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
