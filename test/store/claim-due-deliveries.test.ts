/** The claim is the heart of ordering and of at-least-once: tested against a fresh database each time, with a fake clock. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  appendMessages,
  claimDueDeliveries,
  disableChannel,
  enqueueDeliveries,
  findDelivery,
  openConversation,
  openDatabase,
  recordAttempt,
  rescheduleDelivery,
  saveChannel,
  nextDueAt,
  type Database,
} from '../../server/store/index.js';

const T0 = Date.parse('2026-11-27T10:00:00Z');
let database: Database;
let seq = 0;

beforeEach(async () => {
  database = await openDatabase('sqlite::memory:');
  await saveChannel(database.db, { botId: 'demo', url: 'https://bots.example.com/hook', verifyToken: 'token-token', newId: 'chn_01JD8X2A5B7C9D1E3F5G7H9J1K', newSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', now: T0 });
});
afterEach(async () => database.close());

/** Queues `count` bot messages in the conversation of `sender`; returns their delivery ids in order. */
async function queue(sender: string, count: number, botId = 'demo'): Promise<string[]> {
  const db = database.db;
  const conversation = await openConversation(db, { botId, senderId: sender, newId: `cnv_${sender}`, now: T0 });
  const messages = await appendMessages(
    db,
    conversation,
    Array.from({ length: count }, () => ({ id: `msg_${++seq}`, actor: 'bot' as const, isIntro: false, inReplyTo: null, body: { type: 'text' as const, text: 'hi' } })),
    { state: null, variables: {} },
    T0,
  );
  const ids = messages.map((m) => `dlv_${m.id}`);
  await enqueueDeliveries(
    db,
    messages.map((m, i) => ({
      id: ids[i]!,
      botId,
      conversationId: conversation.id,
      senderId: sender,
      messageId: m.id,
      webhookId: m.id,
      messageCounter: m.messageCounter!,
      event: { senderId: sender, recipient: { id: sender }, botId, messageId: m.id, inReplyTo: 'msg_0', messageCounter: m.messageCounter!, timestamp: new Date(T0).toISOString(), message: { type: 'text', text: 'hi' } },
    })),
    T0,
  );
  return ids;
}

const claim = (now = T0, limit = 10) => claimDueDeliveries(database.db, { now, leaseMs: 1000, limit }).then((c) => c.map((d) => d.id));
const fail = (id: string, number: number, nextAttemptAt: number) =>
  recordAttempt(database.db, { deliveryId: id, number, attemptedAt: T0, url: 'u', statusCode: 500, latencyMs: 1, outcome: 'failed', error: 'answered 500', next: { status: 'pending', nextAttemptAt } });
const succeed = (id: string, number = 1) =>
  recordAttempt(database.db, { deliveryId: id, number, attemptedAt: T0, url: 'u', statusCode: 200, latencyMs: 1, outcome: 'succeeded', error: null, next: { status: 'succeeded' } });

describe('claimDueDeliveries', () => {
  it('claims only the head of each conversation, and conversations side by side', async () => {
    const a = await queue('sender-a-000000000000', 3);
    const b = await queue('sender-b-000000000000', 2);
    expect((await claim()).sort()).toEqual([a[0], b[0]].sort());
  });

  it('hands out the next message of a conversation only after the previous one succeeded', async () => {
    const a = await queue('sender-a-000000000000', 2);
    expect(await claim()).toEqual([a[0]]);
    expect(await claim()).toEqual([]); // leased
    await succeed(a[0]!);
    expect(await claim()).toEqual([a[1]]);
  });

  it('keeps a conversation waiting behind a head whose retry is not due yet', async () => {
    const a = await queue('sender-a-000000000000', 2);
    await claim();
    await fail(a[0]!, 1, T0 + 5000);
    expect(await claim(T0 + 4999)).toEqual([]);
    expect(await claim(T0 + 5000)).toEqual([a[0]]);
  });

  it('lets the conversation go on once its head is given up (dead letter)', async () => {
    const a = await queue('sender-a-000000000000', 2);
    await claim();
    await recordAttempt(database.db, { deliveryId: a[0]!, number: 1, attemptedAt: T0, url: 'u', statusCode: 500, latencyMs: 1, outcome: 'failed', error: 'x', next: { status: 'failed' } });
    expect(await claim()).toEqual([a[1]]);
  });

  it('claims a delivery again when its lease expired (its worker died)', async () => {
    const a = await queue('sender-a-000000000000', 1);
    const [first] = await claimDueDeliveries(database.db, { now: T0, leaseMs: 1000, limit: 10 });
    expect(first!.attemptNumber).toBe(1);
    expect(await claim(T0 + 999)).toEqual([]);
    const [again] = await claimDueDeliveries(database.db, { now: T0 + 1000, leaseMs: 1000, limit: 10 });
    expect(again!.id).toBe(a[0]);
    expect(again!.attemptNumber).toBe(2);
    expect(again!.webhookId).toBe(first!.webhookId);
  });

  it('holds deliveries while the channel is disabled or missing', async () => {
    await queue('sender-a-000000000000', 1);
    await disableChannel(database.db, 'demo', 'The webhook answered 410 Gone.', T0);
    expect(await claim()).toEqual([]);
    expect(await nextDueAt(database.db)).toBeNull();
    await saveChannel(database.db, { botId: 'demo', url: 'https://bots.example.com/hook', verifyToken: 'token-token', newId: 'chn_01JD8X2A5B7C9D1E3F5G7H9J1K', newSecret: 'unused', now: T0 });
    expect(await claim()).toHaveLength(1);
  });

  it('hands the channel and the event to the worker', async () => {
    await queue('sender-a-000000000000', 1);
    const [claimed] = await claimDueDeliveries(database.db, { now: T0, leaseMs: 1000, limit: 10 });
    expect(claimed).toMatchObject({
      messageCounter: 1,
      roundAttemptNumber: 1,
      channel: { url: 'https://bots.example.com/hook', verifyToken: 'token-token', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', previousSecret: null },
      event: { senderId: 'sender-a-000000000000', messageCounter: 1, message: { type: 'text', text: 'hi' } },
    });
  });

  it('respects the limit', async () => {
    for (let i = 0; i < 5; i++) await queue(`sender-${i}-00000000000000`, 1);
    expect(await claim(T0, 3)).toHaveLength(3);
  });
});

describe('nextDueAt', () => {
  it('is the earliest due time, counting a lease at its end', async () => {
    expect(await nextDueAt(database.db)).toBeNull();
    const a = await queue('sender-a-000000000000', 1);
    expect(await nextDueAt(database.db)).toBe(T0);
    await claim();
    expect(await nextDueAt(database.db)).toBe(T0 + 1000);
    await fail(a[0]!, 1, T0 + 5000);
    expect(await nextDueAt(database.db)).toBe(T0 + 5000);
  });
});

describe('rescheduleDelivery', () => {
  it('schedules a failed delivery now with a fresh retry round, and refuses a pending one', async () => {
    const a = await queue('sender-a-000000000000', 1);
    expect(await rescheduleDelivery(database.db, 'demo', a[0]!, T0)).toBe('pending');
    await claim();
    await recordAttempt(database.db, { deliveryId: a[0]!, number: 1, attemptedAt: T0, url: 'u', statusCode: 500, latencyMs: 1, outcome: 'failed', error: 'x', next: { status: 'failed' } });
    const rescheduled = await rescheduleDelivery(database.db, 'demo', a[0]!, T0 + 10);
    expect(rescheduled).toMatchObject({ status: 'pending', nextAttemptAt: T0 + 10, attemptCount: 1 });
    const [claimed] = await claimDueDeliveries(database.db, { now: T0 + 10, leaseMs: 1000, limit: 10 });
    expect(claimed).toMatchObject({ attemptNumber: 2, roundAttemptNumber: 1 });
    expect(await rescheduleDelivery(database.db, 'other-bot', a[0]!, T0)).toBeUndefined();
  });

  it('keeps the attempts of a delivery, oldest first', async () => {
    const a = await queue('sender-a-000000000000', 1);
    await claim();
    await fail(a[0]!, 1, T0);
    await claim();
    await succeed(a[0]!, 2);
    const found = await findDelivery(database.db, 'demo', a[0]!);
    expect(found!.attempts.map((x) => [x.number, x.outcome])).toEqual([[1, 'failed'], [2, 'succeeded']]);
    expect(found!.status).toBe('succeeded');
  });
});
