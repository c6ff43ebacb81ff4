/**
 * The claim is the heart of ordering and of at-least-once: tested against a fresh database each
 * time, with a fake clock (every `now` is passed in).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  appendMessages,
  claimDueDeliveries,
  disableChannel,
  enqueueDeliveries,
  findChannel,
  findDelivery,
  nextDueAt,
  openConversation,
  openDatabase,
  recordAttempt,
  releaseLeases,
  rescheduleDelivery,
  rotateSecret,
  saveChannel,
  type AttemptResult,
  type ClaimedDelivery,
  type ClaimOptions,
  type Database,
} from '../../server/store/index.js';

const T0 = Date.parse('2026-11-27T10:00:00Z');
const LEASE = 1000;
const URL_A = 'https://bots.example.com/hook';
let database: Database;
let seq = 0;

const configure = (botId = 'demo', url = URL_A, now = T0) =>
  saveChannel(database.db, { botId, url, verifyToken: 'token-token', newId: `chn_01JD8X2A5B7C9D1E3F5G7H9J1${botId === 'demo' ? 'K' : 'M'}`, newSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', now });

beforeEach(async () => {
  database = await openDatabase('sqlite::memory:');
  await configure();
});
afterEach(async () => database.close());

/** Queues `count` bot messages in the conversation of `sender`; returns their delivery ids in order. */
async function queue(sender: string, count: number, botId = 'demo', now = T0): Promise<string[]> {
  const db = database.db;
  const conversation = await openConversation(db, { botId, senderId: sender, newId: `cnv_${botId}_${sender}`, now });
  const messages = await appendMessages(
    db,
    conversation,
    Array.from({ length: count }, () => ({ id: `msg_${++seq}`, actor: 'bot' as const, isIntro: false, inReplyTo: null, body: { type: 'text' as const, text: 'hi' } })),
    { state: null, variables: {} },
    now,
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
      event: { senderId: sender, recipient: { id: sender }, botId, messageId: m.id, inReplyTo: 'msg_0', messageCounter: m.messageCounter!, timestamp: new Date(now).toISOString(), message: { type: 'text', text: 'hi' } },
    })),
    now,
  );
  return ids;
}

const claimAll = (now = T0, more: Partial<ClaimOptions> = {}) => claimDueDeliveries(database.db, { now, leaseMs: LEASE, limit: 10, ...more });
const claim = (now = T0, more: Partial<ClaimOptions> = {}) => claimAll(now, more).then((c) => c.map((d) => d.id));
const claimOne = async (now = T0) => {
  const [claimed] = await claimAll(now, { limit: 1 });
  expect(claimed).toBeDefined();
  return claimed!;
};

/** The attempt of a claim, recorded as the worker records it. */
const result = (c: ClaimedDelivery, fields: Partial<AttemptResult> & Pick<AttemptResult, 'statusCode' | 'outcome' | 'next'>): AttemptResult => ({
  deliveryId: c.id,
  botId: c.botId,
  conversationId: c.conversationId,
  leaseUntil: c.leaseUntil,
  number: c.attemptNumber,
  attemptedAt: T0,
  url: c.channel.url,
  channelVerifiedAt: c.channel.verifiedAt,
  latencyMs: 1,
  error: fields.outcome === 'failed' ? `answered ${fields.statusCode}` : null,
  ...fields,
});
const fail = (c: ClaimedDelivery, nextAttemptAt: number) => recordAttempt(database.db, result(c, { statusCode: 500, outcome: 'failed', next: { status: 'pending', nextAttemptAt } }));
const succeed = (c: ClaimedDelivery) => recordAttempt(database.db, result(c, { statusCode: 200, outcome: 'succeeded', next: { status: 'succeeded' } }));
const deadLetter = (c: ClaimedDelivery) => recordAttempt(database.db, result(c, { statusCode: 500, outcome: 'failed', next: { status: 'failed' } }));

describe('claimDueDeliveries', () => {
  it('claims only the head of each conversation, and conversations side by side', async () => {
    const a = await queue('sender-a-000000000000', 3);
    const b = await queue('sender-b-000000000000', 2);
    expect((await claim()).sort()).toEqual([a[0], b[0]].sort());
  });

  it('hands out the next message of a conversation only after the previous one succeeded', async () => {
    const a = await queue('sender-a-000000000000', 2);
    const first = await claimOne();
    expect(first.id).toBe(a[0]);
    expect(await claim()).toEqual([]); // leased
    await succeed(first);
    expect(await claim()).toEqual([a[1]]);
  });

  it('keeps a conversation waiting behind a head whose retry is not due yet', async () => {
    const a = await queue('sender-a-000000000000', 2);
    await fail(await claimOne(), T0 + 5000);
    expect(await claim(T0 + 4999)).toEqual([]);
    expect(await claim(T0 + 5000)).toEqual([a[0]]);
  });

  it('lets the conversation go on once its head is given up (dead letter)', async () => {
    const a = await queue('sender-a-000000000000', 2);
    await deadLetter(await claimOne());
    expect(await claim()).toEqual([a[1]]);
  });

  it('claims a delivery again when its lease expired (its worker died), with the next attempt number and the same webhook-id', async () => {
    const a = await queue('sender-a-000000000000', 1);
    const first = await claimOne();
    expect(first.attemptNumber).toBe(1);
    expect(await claim(T0 + LEASE - 1)).toEqual([]);
    const again = await claimOne(T0 + LEASE);
    expect(again).toMatchObject({ id: a[0], attemptNumber: 2, webhookId: first.webhookId });
  });

  it('keeps the later claim’s lease when the first claim’s answer arrives late', async () => {
    const a = await queue('sender-a-000000000000', 2);
    const first = await claimOne();
    const second = await claimOne(T0 + LEASE); // the first worker seemed dead
    await succeed(first); // …but answers after all
    expect(await claim(T0 + LEASE)).toEqual([]); // the second attempt is still in flight: nothing overlaps it
    const found = await findDelivery(database.db, 'demo', a[0]!);
    expect(found).toMatchObject({ status: 'pending', attemptCount: 2 });
    expect(found!.attempts.map((x) => x.number)).toEqual([1]);
    await succeed(second);
    expect(await claim(T0 + LEASE)).toEqual([a[1]]);
  });

  it('holds deliveries while the channel is disabled or missing', async () => {
    await queue('sender-a-000000000000', 1);
    await disableChannel(database.db, 'demo', 'The webhook answered 410 Gone.', T0);
    expect(await claim()).toEqual([]);
    expect(await nextDueAt(database.db)).toBeNull();
    await configure();
    expect(await claim()).toHaveLength(1);
  });

  it('hands the channel as it is at the claim, and the event, to the worker', async () => {
    await queue('sender-a-000000000000', 1);
    await configure('demo', 'https://bots.example.com/newer', T0 + 5);
    const claimed = await claimOne(T0 + 10);
    expect(claimed).toMatchObject({
      messageCounter: 1,
      roundAttemptNumber: 1,
      leaseUntil: T0 + 10 + LEASE,
      channel: { url: 'https://bots.example.com/newer', verifiedAt: T0 + 5, verifyToken: 'token-token', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', previousSecrets: [] },
      event: { senderId: 'sender-a-000000000000', messageCounter: 1, message: { type: 'text', text: 'hi' } },
    });
  });

  it('hands every replaced secret that still signs at the claim, the last replaced first', async () => {
    await rotateSecret(database.db, { botId: 'demo', secret: 'whsec_second', previousExpiresAt: T0 + 10_000, now: T0 });
    await rotateSecret(database.db, { botId: 'demo', secret: 'whsec_third', previousExpiresAt: T0 + 11_000, now: T0 + 1_000 });
    await queue('sender-a-000000000000', 3);
    expect((await claimOne(T0 + 9_999)).channel).toMatchObject({
      secret: 'whsec_third',
      previousSecrets: [{ secret: 'whsec_second', expiresAt: T0 + 11_000 }, { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', expiresAt: T0 + 10_000 }],
    });
    await releaseLeases(database.db);
    expect((await claimOne(T0 + 10_000)).channel.previousSecrets).toEqual([{ secret: 'whsec_second', expiresAt: T0 + 11_000 }]);
  });

  it('respects the limit', async () => {
    for (let i = 0; i < 5; i++) await queue(`sender-${i}-00000000000000`, 1);
    expect(await claim(T0, { limit: 3 })).toHaveLength(3);
  });
});

describe('fair sharing across channels', () => {
  beforeEach(() => configure('other', 'https://other.example.com/hook'));

  it('offers each channel only what is left of its share', async () => {
    for (let i = 0; i < 4; i++) await queue(`sender-${i}-00000000000000`, 1);
    for (let i = 0; i < 4; i++) await queue(`sender-${i}-00000000000000`, 1, 'other');
    const claimed = await claimAll(T0, { limit: 10, perChannel: 3, inFlight: new Map([['demo', 2]]) });
    expect(claimed.filter((c) => c.botId === 'demo')).toHaveLength(1);
    expect(claimed.filter((c) => c.botId === 'other')).toHaveLength(3);
  });

  it('deals the global limit one channel at a time, so a deep backlog cannot take every slot', async () => {
    for (let i = 0; i < 20; i++) await queue(`sender-${i}-00000000000000`, 1, 'demo', T0 - 1000); // waiting longer
    await queue('sender-b-000000000000', 1, 'other');
    const claimed = await claimAll(T0, { limit: 4, perChannel: 4 });
    expect(claimed.map((c) => c.botId)).toEqual(['demo', 'other', 'demo', 'demo']);
  });
});

describe('one attempt in flight per conversation, redelivery included', () => {
  it('lets a redelivered earlier message wait for the conversation’s attempt in flight, then go first', async () => {
    const a = await queue('sender-a-000000000000', 3);
    await succeed(await claimOne());
    const second = await claimOne();
    expect(second.id).toBe(a[1]);

    await rescheduleDelivery(database.db, 'demo', a[0]!, T0 + 1); // message 1 again, while message 2 is in flight
    expect(await claim(T0 + 2)).toEqual([]);
    expect(await nextDueAt(database.db)).toBe(second.leaseUntil);

    await fail(second, T0 + 5000); // message 2 fails: message 1 goes first, then 2 on its schedule
    expect(await claim(T0 + 3)).toEqual([a[0]]);
  });

  it('attempts a pending delivery now when it is redelivered during its backoff', async () => {
    const a = await queue('sender-a-000000000000', 2);
    await fail(await claimOne(), T0 + 300_000);
    expect(await claim(T0 + 10)).toEqual([]);
    const redelivered = await rescheduleDelivery(database.db, 'demo', a[0]!, T0 + 10);
    expect(redelivered).toMatchObject({ status: 'pending', nextAttemptAt: T0 + 10 });
    const [again] = await claimAll(T0 + 10);
    expect(again).toMatchObject({ id: a[0], attemptNumber: 2, roundAttemptNumber: 1 });
  });

  it('redelivers a failed delivery with a fresh retry round, and answers undefined for another bot’s', async () => {
    const a = await queue('sender-a-000000000000', 1);
    await deadLetter(await claimOne());
    const rescheduled = await rescheduleDelivery(database.db, 'demo', a[0]!, T0 + 10);
    expect(rescheduled).toMatchObject({ status: 'pending', nextAttemptAt: T0 + 10, attemptCount: 1 });
    expect(await claimOne(T0 + 10)).toMatchObject({ attemptNumber: 2, roundAttemptNumber: 1 });
    expect(await rescheduleDelivery(database.db, 'other-bot', a[0]!, T0)).toBeUndefined();
  });
});

describe('answers of an old configuration', () => {
  it('neither disable the channel configured since nor spend its retry schedule', async () => {
    const a = await queue('sender-a-000000000000', 1);
    const sentToOld = await claimOne();
    await configure('demo', 'https://bots.example.com/new', T0 + 1);
    await recordAttempt(database.db, result(sentToOld, { statusCode: 410, outcome: 'failed', next: { status: 'pending', nextAttemptAt: T0 + 2 }, disableReason: 'The webhook answered 410 Gone.', attemptedAt: T0 + 2 }));
    expect(await findChannel(database.db, 'demo')).toMatchObject({ status: 'active', url: 'https://bots.example.com/new' });
    const [again] = await claimAll(T0 + 2);
    expect(again).toMatchObject({ id: a[0], roundAttemptNumber: 1, channel: { url: 'https://bots.example.com/new' } });
    const found = await findDelivery(database.db, 'demo', a[0]!);
    expect(found!.attempts).toMatchObject([{ number: 1, url: URL_A, statusCode: 410 }]);
  });

  it('a 410 from the configuration it was sent to disables the channel and holds the delivery', async () => {
    await queue('sender-a-000000000000', 1);
    const sent = await claimOne();
    await recordAttempt(database.db, result(sent, { statusCode: 410, outcome: 'failed', next: { status: 'pending', nextAttemptAt: T0 }, disableReason: 'The webhook answered 410 Gone.' }));
    expect(await findChannel(database.db, 'demo')).toMatchObject({ status: 'disabled', disabledReason: 'The webhook answered 410 Gone.' });
    expect(await claim(T0 + 86_400_000)).toEqual([]);
  });
});

describe('releaseLeases', () => {
  it('frees what a dead run left in flight, so it is claimed again at once', async () => {
    const a = await queue('sender-a-000000000000', 2);
    await claimOne();
    expect(await claim(T0 + 1)).toEqual([]);
    expect(await releaseLeases(database.db)).toBe(1);
    expect(await claimOne(T0 + 1)).toMatchObject({ id: a[0], attemptNumber: 2 });
  });
});

describe('nextDueAt', () => {
  it('is the earliest time a head is claimable, counting a lease at its end', async () => {
    expect(await nextDueAt(database.db)).toBeNull();
    await queue('sender-a-000000000000', 1);
    expect(await nextDueAt(database.db)).toBe(T0);
    const claimed = await claimOne();
    expect(await nextDueAt(database.db)).toBe(T0 + LEASE);
    await fail(claimed, T0 + 250);
    expect(await nextDueAt(database.db)).toBe(T0 + 250);
  });

  it('does not count deliveries waiting behind a head as due', async () => {
    await queue('sender-a-000000000000', 50);
    await fail(await claimOne(), T0 + 400);
    expect(await nextDueAt(database.db)).toBe(T0 + 400);
  });
});

describe('the delivery log', () => {
  it('keeps the attempts of a delivery, oldest first', async () => {
    const a = await queue('sender-a-000000000000', 1);
    await fail(await claimOne(), T0);
    await succeed(await claimOne());
    const found = await findDelivery(database.db, 'demo', a[0]!);
    expect(found!.attempts.map((x) => [x.number, x.outcome])).toEqual([[1, 'failed'], [2, 'succeeded']]);
    expect(found!.status).toBe('succeeded');
  });
});
