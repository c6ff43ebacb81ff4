/**
 * Two instances change one conversation's pending deliveries at the same moment: one queues new
 * answers (an accept) while the other records the attempt of the conversation's head, or
 * redelivers one of its messages. Each store operation runs on a pool of its own (two instances),
 * interleaved deterministically: the accept's transaction is held open, uncommitted, while the
 * other operation runs; then it commits. However the two meet, the conversation keeps a head
 * naming its lowest pending delivery, so every queued delivery is claimed, in order.
 */
import { sql, type Transaction } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  appendMessages,
  claimDueDeliveries,
  enqueueDeliveries,
  openConversation,
  recordAttempt,
  rescheduleDelivery,
  saveChannel,
  type ClaimedDelivery,
  type Database,
} from '../../server/store/index.js';
import type { Schema } from '../../server/store/schema.js';
import { openTwoInstances, type TwoInstances } from '../support/two-instances.js';
import { waitFor } from '../support/wait-for.js';

const T0 = Date.parse('2026-11-29T10:00:00Z');
const LEASE = 60_000;
const SENDER = 'race-sender-0000000001';

let instances: TwoInstances;
/** Two instances: each a pool of its own on one database. */
let a: Database;
let b: Database;
let seq = 0;

beforeEach(async () => {
  instances = await openTwoInstances('heads-race');
  ({ a, b } = instances);
  await saveChannel(a.db, { botId: 'demo', url: 'https://bots.example.com/hook', verifyToken: 'token-token', newId: 'chn_01JD8X2A5B7C9D1E3F5G7H9J1K', newSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', now: T0 });
});
afterEach(() => instances?.close());

/** What an accept does to the delivery tables: the conversation (locked for the turn), its next bot messages, their deliveries. */
async function queue(db: Database['db'] | Transaction<Schema>, count: number): Promise<string[]> {
  const conversation = await openConversation(db, { botId: 'demo', senderId: SENDER, newId: 'cnv_race', now: T0 });
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
      botId: 'demo',
      conversationId: conversation.id,
      senderId: SENDER,
      messageId: m.id,
      webhookId: m.id,
      messageCounter: m.messageCounter!,
      event: { senderId: SENDER, recipient: { id: SENDER }, botId: 'demo', messageId: m.id, inReplyTo: 'msg_0', messageCounter: m.messageCounter!, timestamp: new Date(T0).toISOString(), message: { type: 'text', text: 'hi' } },
    })),
    T0,
  );
  return ids;
}

const claim = (database: Database, now = T0) => claimDueDeliveries(database.db, { now, leaseMs: LEASE, limit: 10 });

const succeeded = (c: ClaimedDelivery) =>
  recordAttempt(b.db, {
    deliveryId: c.id,
    botId: c.botId,
    conversationId: c.conversationId,
    leaseUntil: c.leaseUntil,
    number: c.attemptNumber,
    attemptedAt: T0,
    url: c.channel.url,
    channelVerifiedAt: c.channel.verifiedAt,
    statusCode: 200,
    latencyMs: 1,
    outcome: 'succeeded',
    error: null,
    next: { status: 'succeeded' },
  });

/**
 * Runs `other` on instance B while instance A holds a transaction that queued `count` new
 * deliveries, uncommitted; commits A once `other` has finished or waits on one of A's locks.
 * Answers A's new delivery ids.
 */
async function queueAcross(count: number, other: () => Promise<unknown>): Promise<string[]> {
  const trx = await a.db.startTransaction().execute();
  let ids: string[];
  try {
    ids = await queue(trx, count);
  } catch (error) {
    await trx.rollback().execute();
    throw error;
  }
  let settled = false;
  const running = other().finally(() => {
    settled = true;
  });
  running.catch(() => undefined);
  const waitsOnLock = async () => {
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(a.db);
    return rows[0]!.n > 0;
  };
  await waitFor(async () => settled || (await waitsOnLock()), { what: 'the other instance to finish or to wait on the accept' });
  await trx.commit().execute();
  await running;
  return ids;
}

it('claims the new deliveries when the head’s attempt is recorded while they are being queued', async () => {
  const [first] = await queue(a.db, 1);
  const claimed = await claim(b);
  expect(claimed.map((c) => c.id)).toEqual([first]);

  // A queues the next answers while B records that the head was delivered: B must not drop the
  // conversation's head for want of pending deliveries it cannot see yet.
  const next = await queueAcross(2, () => succeeded(claimed[0]!));

  expect((await claim(a)).map((c) => c.id)).toEqual([next[0]]);
});

it('claims a redelivered message before the new ones queued at the same moment', async () => {
  const [first] = await queue(a.db, 1);
  await succeeded((await claim(b))[0]!);
  expect(await claim(a)).toEqual([]); // nothing pending: the conversation has no head

  // B redelivers the delivered message while A queues new answers: the conversation's head
  // must be its lowest pending delivery, the redelivered one.
  const next = await queueAcross(1, () => rescheduleDelivery(b.db, 'demo', first!, T0));

  const redelivered = await claim(a);
  expect(redelivered.map((c) => c.id)).toEqual([first]);
  await succeeded(redelivered[0]!);
  expect((await claim(a)).map((c) => c.id)).toEqual([next[0]]);
});

// Found by the attacker: 30 redeliveries of one delivery at once answered 500 (deadlock detected).
// A claim locks a conversation's head, then updates its delivery; a redelivery updated the
// delivery, then its head: each waited on the other. Both now take the head before the delivery.
it('redelivers a delivery while another instance is claiming its conversation, without a deadlock', async () => {
  const [first] = await queue(a.db, 1);
  const claiming = await a.db.startTransaction().execute();
  let redelivering: Promise<unknown> | undefined;
  try {
    // What a claim does, in its order: the head (FOR UPDATE SKIP LOCKED), then its delivery.
    await claiming.selectFrom('delivery_heads').select('delivery_id').where('bot_id', '=', 'demo').forUpdate().skipLocked().execute();
    redelivering = rescheduleDelivery(b.db, 'demo', first!, T0);
    redelivering.catch(() => undefined);
    const waitsOnLock = async () => {
      const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(a.db);
      return rows[0]!.n > 0;
    };
    await waitFor(waitsOnLock, { what: 'the redelivery to wait on the claim' });
    await claiming
      .updateTable('deliveries')
      .set((eb) => ({ attempt_count: eb('attempt_count', '+', 1), round_attempt_count: eb('round_attempt_count', '+', 1) }))
      .where('id', '=', first!)
      .execute();
    await claiming.commit().execute();
  } catch (error) {
    await claiming.rollback().execute().catch(() => undefined);
    throw error;
  }
  await expect(redelivering).resolves.toMatchObject({ id: first, status: 'pending' });
  expect((await claim(a)).map((c) => c.id)).toEqual([first]);
});
