/**
 * Two server instances on one PostgreSQL database, hit at the same time: the database keeps
 * conversations, counters, idempotency keys and the delivery order right across instances.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenForDeliveries, openDatabase, type Database, type DeliveryWakeups } from '../../server/store/index.js';
import { SENDER, startTestServer, type TestServer } from '../support/server.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { waitFor } from '../support/wait-for.js';

const VERIFY_TOKEN = 'instances-verify-token';

/** The conversation's full history, read through the API. */
async function history(server: TestServer, senderId: string): Promise<any[]> {
  const res = await server.call('listConversationMessages', { params: { senderId }, query: { limit: 100 } });
  expect(res.status).toBe(200);
  return (res.body as any).rows;
}

function expectGapless(values: number[]): void {
  expect([...values].sort((a, b) => a - b)).toEqual(Array.from({ length: values.length }, (_, i) => i + 1));
}

describe('two instances, deliveries held (no channel)', () => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    a = await startTestServer({}, { startDelivery: false });
    b = await startTestServer({ DATABASE_URL: a.databaseUrl }, { startDelivery: false });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('keeps one conversation gapless when both instances take its messages at once', async () => {
    const sender = 'same-conversation-sender-01';
    const sends = Array.from({ length: 24 }, (_, i) =>
      (i % 2 ? a : b).call('sendMessage', { body: { sender: { id: sender }, message: { type: 'text', text: `hello ${i}` } } }),
    );
    const answers = await Promise.all(sends);
    expect(answers.map((r) => r.status)).toEqual(answers.map(() => 202));
    // One conversation, whichever instance created it.
    expect(new Set(answers.map((r) => (r.body as any).conversationId)).size).toBe(1);

    const rows = await history(a, sender);
    expect(rows.filter((r) => r.actor === 'user')).toHaveLength(24);
    expectGapless(rows.map((r) => r.sequence));
    expectGapless(rows.filter((r) => r.actor === 'bot').map((r) => r.messageCounter));
    // Each answer's sequence is the one its user message was stored with.
    const userSequences = new Set(rows.filter((r) => r.actor === 'user').map((r) => r.sequence));
    for (const answer of answers) expect(userSequences.has((answer.body as any).sequence)).toBe(true);
  });

  it('stores a message once when the same Idempotency-Key reaches both instances at once', async () => {
    const sender = 'same-key-sender-000000001';
    const body = { sender: { id: sender }, message: { type: 'text', text: 'only once' } };
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).call('sendMessage', { body, headers: { 'idempotency-key': 'both-instances-key' } })),
    );
    expect(answers.map((r) => r.status)).toEqual(answers.map(() => 202));
    expect(new Set(answers.map((r) => (r.body as any).messageId)).size).toBe(1);
    const rows = await history(b, sender);
    expect(rows.filter((r) => r.actor === 'user')).toHaveLength(1);
  });

  it('creates one conversation when its first messages reach both instances at once', async () => {
    const senders = Array.from({ length: 8 }, (_, i) => `first-message-sender-${String(i).padStart(4, '0')}`);
    const answers = await Promise.all(
      senders.flatMap((id) => [a, b].map((server) => server.call('sendMessage', { body: { sender: { id }, message: { type: 'text', text: 'hi' } } }))),
    );
    expect(answers.map((r) => r.status)).toEqual(answers.map(() => 202));
    for (const id of senders) {
      const mine = answers.filter((r) => (r.body as any).senderId === id);
      expect(new Set(mine.map((r) => (r.body as any).conversationId)).size).toBe(1);
      expectGapless((await history(a, id)).map((r) => r.sequence));
    }
  });
});

describe('two instances delivering from one queue', () => {
  let a: TestServer;
  let b: TestServer;
  let receiver: WebhookReceiver;
  /** Webhooks of each conversation being answered right now, and the most ever seen at once. */
  const inFlight = new Map<string, number>();
  let mostInFlight = 0;

  beforeAll(async () => {
    receiver = await startWebhookReceiver({
      verifyToken: VERIFY_TOKEN,
      answer: (webhook) => {
        const sender = webhook.body?.senderId as string;
        const now = (inFlight.get(sender) ?? 0) + 1;
        inFlight.set(sender, now);
        mostInFlight = Math.max(mostInFlight, now);
        // Counted down when the answer is sent (the receiver waits delayMs first).
        setTimeout(() => inFlight.set(sender, inFlight.get(sender)! - 1), 14);
        return { status: 200, delayMs: 15 };
      },
    });
    a = await startTestServer();
    b = await startTestServer({ DATABASE_URL: a.databaseUrl });
    expect((await a.call('putWebhookChannel', { body: { url: receiver.url, verifyToken: VERIFY_TOKEN } })).status).toBe(200);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await receiver?.close();
  });

  it('delivers every answer once, in order per conversation, one attempt in flight per conversation', async () => {
    const senders = Array.from({ length: 10 }, (_, i) => `spread-sender-${String(i).padStart(10, '0')}`);
    for (const text of ['hi', 'buttons', 'hi']) {
      const answers = await Promise.all(
        senders.map((id, i) => (i % 2 ? a : b).call('sendMessage', { body: { sender: { id }, message: { type: 'text', text } } })),
      );
      expect(answers.map((r) => r.status)).toEqual(answers.map(() => 202));
    }
    const expected = new Map<string, number>();
    for (const id of senders) expected.set(id, (await history(a, id)).filter((r) => r.actor === 'bot').length);
    const total = [...expected.values()].reduce((x, y) => x + y, 0);
    await receiver.waitForCount(total, 60_000);
    await waitFor(async () => ((await a.call('listDeliveries', { query: { status: 'pending' } })).body as any).data.length === 0, {
      what: 'no pending delivery',
    });

    for (const id of senders) {
      const counters: number[] = receiver.received.filter((w) => w.body.senderId === id).map((w) => w.body.messageCounter);
      // No failure was answered, so each arrives exactly once, and in order.
      expect(counters).toEqual(Array.from({ length: expected.get(id)! }, (_, i) => i + 1));
    }
    expect(mostInFlight).toBe(1);
  });
});

describe('wake-ups across instances (LISTEN/NOTIFY)', () => {
  let a: TestServer;
  let other: Database;
  let wakeups: DeliveryWakeups;
  let wakes = 0;
  beforeAll(async () => {
    a = await startTestServer({}, { startDelivery: false });
    other = await openDatabase(a.databaseUrl);
    wakeups = await listenForDeliveries(other, { onWake: () => wakes++, minRetryMs: 10 });
  });
  afterAll(async () => {
    await wakeups?.close();
    await other?.close();
    await a?.close();
  });

  const send = (text: string) => a.call('sendMessage', { body: { sender: { id: SENDER }, message: { type: 'text', text } } });

  it('tells another instance when deliveries were queued, and listens again after its connection was cut', async () => {
    const before = wakes;
    expect((await send('hi')).status).toBe(202);
    await waitFor(() => wakes > before, { what: 'a notification from the instance that accepted the message' });

    // Cut the listener's connection from the database side, as a restart or a network cut would.
    const cut = await sql<{ cut: boolean }>`
      SELECT pg_terminate_backend(pid) AS cut FROM pg_stat_activity
      WHERE datname = current_database() AND query ILIKE 'LISTEN%' AND pid <> pg_backend_pid()`.execute(other.db);
    expect(cut.rows.length).toBeGreaterThan(0);
    const listening = async () =>
      (await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'`.execute(other.db)).rows[0]!.n > 0;
    await waitFor(async () => !(await listening()), { what: 'the listening connection to go' });
    await waitFor(listening, { what: 'the listener to reconnect' });

    const again = wakes;
    expect((await send('buttons')).status).toBe(202);
    await waitFor(() => wakes > again, { what: 'a notification after the reconnection' });
  });
});
