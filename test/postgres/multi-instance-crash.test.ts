/**
 * Two server processes on one PostgreSQL database share the conversations and the delivery
 * work. One is killed (SIGKILL) with deliveries in flight and started again: every bot message
 * arrives, in order per conversation, with gapless counters, and nothing twice beyond the
 * at-least-once retry of the attempts that were interrupted (one per conversation at most).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { callOperation } from '../support/server.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { createTestDatabaseUrl } from '../support/test-store.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { waitFor } from '../support/wait-for.js';

const VERIFY_TOKEN = 'multi-instance-token';
const CONVERSATIONS = 8;
const ROUNDS = ['hi', 'buttons', 'carousel', 'media', 'hi'];
// The shortest lease allowed with a 2 s timeout, so that the dead instance's leases run out within the test.
const INSTANCE_ENV = { WEBHOOK_LEASE: '11s' };

const processes: ServerProcess[] = [];
let receiver: WebhookReceiver | undefined;
let cleanup: (() => Promise<void>) | undefined;

afterAll(async () => {
  for (const p of processes) await p.kill();
  await receiver?.close();
  await cleanup?.();
});

it('loses nothing and keeps order when one of two instances is killed mid-delivery and restarted', { timeout: 240_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wc-instances-'));
  const database = await createTestDatabaseUrl(dir, 'instances');
  cleanup = async () => {
    await database.drop();
    await rm(dir, { recursive: true, force: true });
  };
  receiver = await startWebhookReceiver({ verifyToken: VERIFY_TOKEN, answer: () => ({ status: 200, delayMs: 30 }) });

  const a = await startServerProcess(database.url, INSTANCE_ENV);
  processes.push(a);
  const b = await startServerProcess(database.url, INSTANCE_ENV);
  processes.push(b);
  expect((await callOperation(a.url, 'putWebhookChannel', { body: { url: receiver.url, verifyToken: VERIFY_TOKEN } })).status).toBe(200);

  const senders = Array.from({ length: CONVERSATIONS }, (_, i) => `instance-sender-${String(i).padStart(10, '0')}`);
  const sendRound = async (text: string, round: number, instances: string[]) => {
    const answers = await Promise.all(
      senders.map((id, i) => callOperation(instances[(i + round) % instances.length]!, 'sendMessage', { body: { sender: { id }, message: { type: 'text', text } } })),
    );
    expect(answers.map((r) => r.status)).toEqual(answers.map(() => 202));
  };
  // Each conversation's messages go to both instances in turn.
  for (const [round, text] of ROUNDS.slice(0, 3).entries()) await sendRound(text, round, [a.url, b.url]);

  await waitFor(() => receiver!.received.length >= 4, { what: 'the first deliveries' });
  await a.kill();
  const beforeRestart = receiver.received.length;
  // The survivor takes more messages while the other is down, then the other comes back.
  await sendRound(ROUNDS[3]!, 3, [b.url]);
  const restarted = await startServerProcess(database.url, INSTANCE_ENV);
  processes.push(restarted);
  await sendRound(ROUNDS[4]!, 4, [restarted.url, b.url]);

  const expected = new Map<string, number>();
  for (const id of senders) {
    const res = await callOperation(b.url, 'listConversationMessages', { params: { senderId: id }, query: { limit: 100 } });
    const rows = (res.body as any).rows as any[];
    const counters = rows.filter((r) => r.actor === 'bot').map((r) => r.messageCounter);
    expect(counters).toEqual(counters.map((_, i) => i + 1)); // gapless across instances
    expected.set(id, counters.length);
  }
  const total = [...expected.values()].reduce((x, y) => x + y, 0);
  expect(beforeRestart).toBeLessThan(total); // the kill really left work undone

  const arrived = (id: string) => new Set(receiver!.received.filter((w) => w.body.senderId === id).map((w) => w.body.messageCounter));
  await waitFor(() => senders.every((id) => arrived(id).size === expected.get(id)), { timeoutMs: 90_000, what: 'every bot message' });

  for (const id of senders) {
    const counters: number[] = receiver.received.filter((w) => w.body.senderId === id).map((w) => w.body.messageCounter);
    let highest = 0;
    for (const counter of counters) {
      expect(counter).toBeLessThanOrEqual(highest + 1); // in order: nothing before all smaller ones
      highest = Math.max(highest, counter);
    }
    // At least once, and again only for the attempt the kill interrupted: one per conversation.
    expect(counters.length - new Set(counters).size).toBeLessThanOrEqual(1);
  }
});
