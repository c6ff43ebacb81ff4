/**
 * Concurrent sends share group-commit transactions: the guarantees of one send at a time must hold
 * for each of them (gapless positions and counters, idempotency, a failure that stays its own).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_BURST: '100000' });
});
afterAll(async () => server?.close());

const CONCURRENT = 40;
const text = (t: string, sender: string) => ({ sender: { id: sender }, message: { type: 'text', text: t } });

async function history(sender: string): Promise<any[]> {
  const res = await server.call('listConversationMessages', { params: { senderId: sender }, query: { limit: 100 } });
  expect(res.status).toBe(200);
  return (res.body as any).rows;
}

it('keeps sequences and message counters gapless when one conversation gets many sends at once', async () => {
  const senders = ['concurrent-sender-0000000001', 'concurrent-sender-0000000002'];
  const answers = await Promise.all(
    Array.from({ length: CONCURRENT }, (_, i) => server.call('sendMessage', { body: text(i % 3 === 0 ? 'menu' : 'hi', senders[i % 2]!) })),
  );
  expect(answers.map((a) => a.status)).toEqual(answers.map(() => 202));
  for (const sender of senders) {
    const rows = await history(sender);
    expect(rows.map((r) => r.sequence)).toEqual(rows.map((_, i) => i + 1));
    const bot = rows.filter((r) => r.actor === 'bot');
    expect(bot.map((r) => r.messageCounter)).toEqual(bot.map((_, i) => i + 1));
    // Each 202 reports the position its message was committed at.
    const accepted = answers.filter((a) => (a.body as any).senderId === sender).map((a) => (a.body as any).sequence);
    expect(accepted.sort((a, b) => a - b)).toEqual(rows.filter((r) => r.actor === 'user').map((r) => r.sequence));
    expect(accepted).toHaveLength(CONCURRENT / 2);
    // Every turn saw the one before it: only the first message of the conversation is its intro.
    expect(rows.filter((r) => r.actor === 'user' && r.isIntro)).toHaveLength(rows[0].isIntro ? 1 : 0);
  }
});

it('answers sends with one Idempotency-Key sent at once with one message, and a conflicting body with 409 alone', async () => {
  const sender = 'concurrent-sender-0000000003';
  const key = 'concurrent-idempotency-key';
  const same = text('hi', sender);
  const answers = await Promise.all([
    server.call('sendMessage', { body: same, headers: { 'idempotency-key': key } }),
    server.call('sendMessage', { body: same, headers: { 'idempotency-key': key } }),
    server.call('sendMessage', { body: text('menu', sender), headers: { 'idempotency-key': key } }),
    server.call('sendMessage', { body: text('menu', sender) }),
    server.call('sendMessage', { body: same, headers: { 'idempotency-key': key } }),
  ]);
  // Whichever keyed body commits first owns the key (the requests race on their connections; on
  // PostgreSQL batches overlap): the same body again answers its result, the other body is 409.
  const sameWon = answers[2]!.status === 409;
  expect(answers.map((a) => a.status)).toEqual(sameWon ? [202, 202, 409, 202, 202] : [409, 409, 202, 202, 409]);
  const ids = (sameWon ? [0, 1, 4] : [2]).map((i) => (answers[i]!.body as any).messageId);
  expect(new Set(ids).size).toBe(1);
  const users = (await history(sender)).filter((r) => r.actor === 'user');
  expect(users.map((r) => r.id).sort()).toEqual([ids[0], (answers[3]!.body as any).messageId].sort());
});
