/** What the delivery log reads: a stable list order (issue 10, item 10) and a bounded attempt list. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  appendMessages,
  enqueueDeliveries,
  findDelivery,
  listDeliveries,
  openConversation,
  openDatabase,
  recordAttempts,
  saveChannel,
  type Database,
} from '../../server/store/index.js';
import { LISTED_ATTEMPTS } from '../../server/store/find-delivery.js';

const T0 = Date.parse('2026-11-27T10:00:00Z');
let database: Database;

beforeEach(async () => {
  database = await openDatabase('sqlite::memory:');
  await saveChannel(database.db, { botId: 'demo', url: 'https://bots.example.com/hook', verifyToken: 'token-token', newId: 'chn_01JD8X2A5B7C9D1E3F5G7H9J1K', newSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', now: T0 });
});
afterEach(async () => database.close());

/** Queues one turn's bot messages, all created at T0, with delivery ids that do not sort like their counters. */
async function queueTurn(sender: string, ids: string[]): Promise<void> {
  const db = database.db;
  const conversation = await openConversation(db, { botId: 'demo', senderId: sender, newId: `cnv_${sender}`, now: T0 });
  const messages = await appendMessages(
    db,
    conversation,
    ids.map((id) => ({ id: `msg_${id}`, actor: 'bot' as const, isIntro: false, inReplyTo: null, body: { type: 'text' as const, text: 'hi' } })),
    { state: null, variables: {} },
    T0,
  );
  await enqueueDeliveries(
    db,
    messages.map((m, i) => ({
      id: `dlv_${ids[i]}`,
      botId: 'demo',
      conversationId: conversation.id,
      senderId: sender,
      messageId: m.id,
      webhookId: m.id,
      messageCounter: m.messageCounter!,
      event: { senderId: sender, recipient: { id: sender }, botId: 'demo', messageId: m.id, inReplyTo: 'msg_0', messageCounter: m.messageCounter!, timestamp: new Date(T0).toISOString(), message: { type: 'text', text: 'hi' } },
    })),
    T0,
  );
}

describe('listDeliveries', () => {
  it('lists one turn newest first by messageCounter, whatever the ids (not 5, 4, 2, 3, 1)', async () => {
    await queueTurn('sender-a', ['e', 'a', 'd', 'b', 'c']);
    const listed = await listDeliveries(database.db, { botId: 'demo', limit: 10 });
    expect(listed.map((d) => d.messageCounter)).toEqual([5, 4, 3, 2, 1]);
  });

  it('pages through the same order with a cursor that carries the counter', async () => {
    await queueTurn('sender-a', ['e', 'a', 'd', 'b', 'c']);
    const seen: number[] = [];
    let after: { createdAt: number; messageCounter: number; id: string } | undefined;
    for (let page = 0; page < 5; page++) {
      const rows = await listDeliveries(database.db, { botId: 'demo', limit: 2, ...(after && { after }) });
      seen.push(...rows.map((d) => d.messageCounter));
      const last = rows.at(-1);
      if (rows.length < 2 || !last) break;
      after = { createdAt: last.createdAt, messageCounter: last.messageCounter, id: last.id };
    }
    expect(seen).toEqual([5, 4, 3, 2, 1]);
  });
});

describe('findDelivery', () => {
  it(`lists the latest ${LISTED_ATTEMPTS} attempts, oldest first`, async () => {
    await queueTurn('sender-a', ['a']);
    const attempts = Array.from({ length: LISTED_ATTEMPTS + 5 }, (_, i) => ({
      deliveryId: 'dlv_a',
      botId: 'demo',
      conversationId: 'cnv_sender-a',
      leaseUntil: T0,
      channelVerifiedAt: null,
      number: i + 1,
      attemptedAt: T0 + i,
      url: 'https://bots.example.com/hook',
      statusCode: 503,
      latencyMs: 1,
      outcome: 'failed' as const,
      error: 'answered 503',
      next: { status: 'pending' as const, nextAttemptAt: T0 + i + 1 },
    }));
    await recordAttempts(database.db, attempts);
    const found = await findDelivery(database.db, 'demo', 'dlv_a');
    expect(found!.attempts).toHaveLength(LISTED_ATTEMPTS);
    expect(found!.attempts.map((a) => a.number)).toEqual(Array.from({ length: LISTED_ATTEMPTS }, (_, i) => i + 6));
  });
});
