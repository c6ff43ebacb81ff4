/**
 * The delivery worker's promises beyond one attempt: one attempt in flight per conversation
 * (redelivery included), isolation between channels, answers of an old URL, retries due within a
 * second, and leases freed at start. Real HTTP to local receivers, a real (in-memory) store, a
 * fake clock; every wait polls a condition.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { deliveryStore } from '../../server/delivery/delivery-store.js';
import { claimDueDeliveries, findChannel, rescheduleDelivery, saveChannel } from '../../server/store/index.js';
import { waitFor } from '../support/wait-for.js';
import { startWebhookReceiver, type ReceivedWebhook, type ScriptedAnswer, type WebhookReceiver } from '../support/webhook-receiver.js';
import { BOT_ID, CHANNEL_ID, SECRET, senderId, startDeliveryFixture, VERIFY_TOKEN, type DeliveryFixture } from './fixture.js';

const receivers: WebhookReceiver[] = [];
let fx: DeliveryFixture;
afterEach(async () => {
  await fx?.close();
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

async function receiver(answer?: (webhook: ReceivedWebhook, index: number) => ScriptedAnswer): Promise<WebhookReceiver> {
  const started = await startWebhookReceiver({ answer });
  receivers.push(started);
  return started;
}

const counterOf = (w: ReceivedWebhook) => (w.body as { messageCounter: number }).messageCounter;

describe('one attempt in flight per conversation', () => {
  it('sends a message redelivered while a later one is in flight after that attempt ends, then goes on in order', async () => {
    let inFlight = 0;
    let overlapped = false;
    const r = await receiver((w, i) => {
      // Message 2's first attempt (the second POST) takes 400 ms: message 1 is redelivered meanwhile.
      const delayMs = counterOf(w) === 2 && i === 1 ? 400 : 0;
      if (++inFlight > 1) overlapped = true;
      setTimeout(() => inFlight--, delayMs); // created before the answer's own timer, so it runs first
      return { status: 200, delayMs };
    });
    fx = await startDeliveryFixture(r.url);
    const [first, second, third] = await fx.queue(senderId(1), ['one', 'two', 'three']);
    await fx.waitForDelivery(first!.deliveryId, (d) => d.status === 'succeeded', 'to succeed');
    await r.waitForCount(2); // message 2 is in flight now

    await rescheduleDelivery(fx.database.db, BOT_ID, first!.deliveryId, fx.clock.now());
    fx.worker.wake();
    await fx.waitForDelivery(third!.deliveryId, (d) => d.status === 'succeeded', 'to succeed');
    await fx.waitForDelivery(first!.deliveryId, (d) => d.status === 'succeeded' && d.attempts.length === 2, 'to succeed again');
    expect(r.received.map(counterOf)).toEqual([1, 2, 1, 3]);
    expect(overlapped).toBe(false);
    expect((await fx.waitForDelivery(second!.deliveryId, () => true, 'to exist')).attempts).toHaveLength(1);
  });

  it('attempts a pending delivery now when it is redelivered during its backoff', async () => {
    const r = await receiver((_w, i) => ({ status: i === 0 ? 503 : 200 }));
    fx = await startDeliveryFixture(r.url, { retryScheduleMs: [0, 300_000] });
    const [queued] = await fx.queue(senderId(1), ['later, or now']);
    const waiting = await fx.waitForDelivery(queued!.deliveryId, (d) => d.attempts.length === 1, 'to fail once');
    expect(waiting.nextAttemptAt - fx.clock.now()).toBe(300_000);

    await rescheduleDelivery(fx.database.db, BOT_ID, queued!.deliveryId, fx.clock.now());
    fx.worker.wake();
    const delivered = await fx.waitForDelivery(queued!.deliveryId, (d) => d.status === 'succeeded', 'to succeed without the clock moving');
    expect(delivered.attempts.map((a) => a.statusCode)).toEqual([503, 200]);
  });
});

describe('isolation between channels', () => {
  it('sends another bot’s first message while every attempt to a hanging receiver is still open', async () => {
    const hanging = await receiver(() => ({ status: 200, delayMs: 20_000 }));
    const healthy = await receiver();
    fx = await startDeliveryFixture(hanging.url, { concurrency: 4, perChannelConcurrency: 2, timeoutMs: 30_000 });
    await fx.addBot('other', healthy.url);

    for (let n = 1; n <= 8; n++) await fx.queue(senderId(n), ['stuck']);
    await hanging.waitForCount(2);
    await fx.queue(senderId(100), ['through'], 'other');
    const [webhook] = await healthy.waitForCount(1);
    expect(webhook!.body).toMatchObject({ botId: 'other', senderId: senderId(100) });
    // The hanging channel never had more than its share open.
    expect(hanging.received).toHaveLength(2);
  });
});

describe('a channel configured again while an attempt is in flight', () => {
  it('takes no answer of the old URL, 410 included, against the new channel, and sends to the new URL', async () => {
    const old = await receiver(() => ({ status: 410, delayMs: 300 }));
    const current = await receiver();
    fx = await startDeliveryFixture(old.url);
    const [queued] = await fx.queue(senderId(1), ['moving']);
    await old.waitForCount(1);
    await saveChannel(fx.database.db, { botId: BOT_ID, url: current.url, verifyToken: VERIFY_TOKEN, newId: CHANNEL_ID, newSecret: SECRET, now: fx.clock.now() + 1 });

    const delivered = await fx.waitForDelivery(queued!.deliveryId, (d) => d.status === 'succeeded', 'to reach the new URL');
    expect(delivered.attempts.map((a) => [a.url, a.statusCode])).toEqual([
      [old.url, 410],
      [current.url, 200],
    ]);
    expect(await findChannel(fx.database.db, BOT_ID)).toMatchObject({ status: 'active', url: current.url });
  });
});

describe('timing', () => {
  it('sends a retry due in under a second when it is due, though later messages of its conversation wait', async () => {
    const r = await receiver((_w, i) => ({ status: i === 0 ? 500 : 200 }));
    fx = await startDeliveryFixture(r.url, { retryScheduleMs: [0, 300], pollMs: 600_000 });
    const [first, second] = await fx.queue(senderId(1), ['one', 'two']);
    await fx.waitForDelivery(first!.deliveryId, (d) => d.attempts.length === 1, 'to fail once');
    fx.clock.advance(300); // no wake: the worker's own sleep must end when the retry is due
    await fx.waitForDelivery(second!.deliveryId, (d) => d.status === 'succeeded', 'to succeed after the retry');
    expect(r.received.map(counterOf)).toEqual([1, 1, 2]);
  });

  it('frees the leases of a run that died when it owns the store, so in-flight messages go out at once', async () => {
    const r = await receiver();
    fx = await startDeliveryFixture(r.url, { startWorker: false });
    const [queued] = await fx.queue(senderId(1), ['in flight at the crash']);
    const [claimed] = await claimDueDeliveries(fx.database.db, { now: fx.clock.now(), leaseMs: 60_000, limit: 10 });
    expect(claimed!.id).toBe(queued!.deliveryId);

    fx.newWorker({ ownsAllLeases: true }).start(); // the clock has not moved: the lease has 60 s to run
    const [webhook] = await r.waitForCount(1);
    expect(webhook!.headers['webhook-id']).toBe(queued!.webhookId);
    await fx.waitForDelivery(queued!.deliveryId, (d) => d.status === 'succeeded', 'to succeed');
  });

  it('leaves the leases alone when other workers may hold them', async () => {
    const r = await receiver();
    fx = await startDeliveryFixture(r.url, { startWorker: false });
    const [queued] = await fx.queue(senderId(1), ['held by another instance']);
    await claimDueDeliveries(fx.database.db, { now: fx.clock.now(), leaseMs: 60_000, limit: 10 });
    const store = deliveryStore(fx.database.db);
    let claims = 0;
    const worker = fx.newWorker({
      store: { ...store, claimDueDeliveries: async (o, recorded) => store.claimDueDeliveries(o, recorded).finally(() => void claims++) },
    });
    worker.start();
    await waitFor(() => claims > 0, { what: 'a claim' });
    expect(r.received).toHaveLength(0);
    fx.clock.advance(60_000);
    worker.wake();
    const [webhook] = await r.waitForCount(1);
    expect(webhook!.headers['webhook-id']).toBe(queued!.webhookId);
  });
});
