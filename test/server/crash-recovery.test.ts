/**
 * The promise of the 202: kill the server process (SIGKILL) with deliveries in flight, start it
 * again on the same database, and every bot message still arrives, at least once, in order per
 * conversation, with nothing lost, as soon as the server is back (it owns every lease of its
 * SQLite store, so it frees them at start instead of waiting for them to run out).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { callOperation } from '../support/server.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { waitFor } from '../support/wait-for.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { createTestDatabaseUrl, testStore } from '../support/test-store.js';

const VERIFY_TOKEN = 'crash-verify-token';
const CONVERSATIONS = 6;
const MESSAGES_PER_CONVERSATION = 4;

let dir: string;
const dropDatabases: Array<() => Promise<void>> = [];
let receiver: WebhookReceiver;
const receivers: WebhookReceiver[] = [];
const servers: ServerProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wc-crash-'));
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.kill()));
  await Promise.all(receivers.map((r) => r.close()));
  for (const drop of dropDatabases) await drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/**
 * A server process on the test's database. SQLite: a lease far longer than the test waits, so what
 * was in flight moves on only because a restart frees the leases. On PostgreSQL an instance does not
 * own every lease (others may hold some), so it frees none at start: what the dead process held moves
 * on when its lease runs out, the shortest allowed.
 */
async function startCrashableServer(databaseUrl: string): Promise<ServerProcess> {
  const server = await startServerProcess(databaseUrl, { WEBHOOK_LEASE: testStore() === 'postgres' ? '11s' : '10m' });
  servers.push(server);
  return server;
}

it('delivers every bot message after a SIGKILL with deliveries in flight, in order per conversation', async () => {
  const database = await createTestDatabaseUrl(dir, 'crash');
  dropDatabases.push(database.drop);
  // A slow receiver, so that deliveries are in flight when the process dies.
  receiver = await startWebhookReceiver({ verifyToken: VERIFY_TOKEN, answer: () => ({ status: 200, delayMs: 25 }) });
  receivers.push(receiver);

  const first = await startCrashableServer(database.url);
  expect((await callOperation(first.url, 'putWebhookChannel', { body: { url: receiver.url, verifyToken: VERIFY_TOKEN } })).status).toBe(200);
  const senders = Array.from({ length: CONVERSATIONS }, (_, i) => `crash-sender-${String(i).padStart(12, '0')}`);
  const inputs = ['hi', 'buttons', 'carousel', 'media'].slice(0, MESSAGES_PER_CONVERSATION);
  for (const text of inputs) {
    await Promise.all(
      senders.map(async (id) => {
        const res = await callOperation(first.url, 'sendMessage', { body: { sender: { id }, message: { type: 'text', text } } });
        expect(res.status).toBe(202);
      }),
    );
  }
  await waitFor(() => receiver.received.length >= 3, { what: 'the first deliveries' });
  await first.kill();
  const beforeRestart = receiver.received.length;

  const second = await startCrashableServer(database.url);
  const expected = new Map<string, number>();
  for (const id of senders) {
    const history = (await callOperation(second.url, 'listConversationMessages', { params: { senderId: id }, query: { limit: 100 } })).body as any;
    expected.set(id, history.rows.filter((row: any) => row.actor === 'bot').length);
  }
  const total = [...expected.values()].reduce((a, b) => a + b, 0);
  expect(beforeRestart).toBeLessThan(total); // the kill really left work undone

  const arrivedAll = () =>
    senders.every((id) => {
      const counters = new Set(receiver.received.filter((w) => w.body.senderId === id).map((w) => w.body.messageCounter));
      return counters.size === expected.get(id);
    });
  await waitFor(arrivedAll, { timeoutMs: 60_000, what: 'every bot message after the restart' });

  for (const id of senders) expectAllInOrder(receiver, id, expected.get(id)!);
  expect(await second.stop()).toBe(0);
});

/** At least once: every counter from 1 to `count` arrived. In order: none before all smaller ones did. */
function expectAllInOrder(receiver: WebhookReceiver, senderId: string, count: number): void {
  const counters: number[] = receiver.received.filter((w) => w.body.senderId === senderId).map((w) => w.body.messageCounter);
  expect(new Set(counters)).toEqual(new Set(Array.from({ length: count }, (_, i) => i + 1)));
  let highest = 0;
  for (const counter of counters) {
    expect(counter).toBeLessThanOrEqual(highest + 1);
    highest = Math.max(highest, counter);
  }
}

const BURST_CONNECTIONS = 24;
/** Kill once this many sends were answered 202: enough that group-commit batches are full. */
const BURST_ACCEPTED_BEFORE_KILL = 150;
/** Bounds each loop, and keeps a conversation within one history page (4 rows a send). */
const BURST_MAX_SENDS_PER_CONNECTION = 20;
/** Two process starts, a burst and its drain: minutes on a busy two-core machine, not the default minute. */
const BURST_TEST_TIMEOUT_MS = 240_000;

it('keeps every message answered 202 when killed during a saturated burst of sends', async () => {
  const database = await createTestDatabaseUrl(dir, 'burst');
  dropDatabases.push(database.drop);
  const burstReceiver = await startWebhookReceiver({ verifyToken: VERIFY_TOKEN });
  receivers.push(burstReceiver);
  const first = await startCrashableServer(database.url);
  expect((await callOperation(first.url, 'putWebhookChannel', { body: { url: burstReceiver.url, verifyToken: VERIFY_TOKEN } })).status).toBe(200);

  // Each connection sends to its own conversation, as fast as it is answered, until the kill.
  const accepted: Array<{ messageId: string; senderId: string; sequence: number }> = [];
  const senders = Array.from({ length: BURST_CONNECTIONS }, (_, i) => `burst-sender-${String(i).padStart(12, '0')}`);
  let killed = false;
  const loops = senders.map(async (id) => {
    for (let n = 0; n < BURST_MAX_SENDS_PER_CONNECTION && !killed; n++) {
      let res;
      try {
        res = await callOperation(first.url, 'sendMessage', { body: { sender: { id }, message: { type: 'text', text: 'hi' } } });
      } catch {
        return; // the server died with this request unanswered: nothing was promised for it
      }
      expect(res.status).toBe(202);
      accepted.push(res.body as any);
    }
  });
  await waitFor(() => accepted.length >= BURST_ACCEPTED_BEFORE_KILL, { timeoutMs: 60_000, what: 'a burst of accepted sends' });
  killed = true;
  await first.kill();
  // Requests the killed server left unanswered fail (connection reset): nothing was promised for them.
  await Promise.all(loops);

  const second = await startCrashableServer(database.url);
  const expected = new Map<string, number>();
  for (const id of senders) {
    const history = (await callOperation(second.url, 'listConversationMessages', { params: { senderId: id }, query: { limit: 100 } })).body as any;
    const rows: any[] = history.rows ?? [];
    // Every 202 is in the history, at the position it reported.
    for (const message of accepted.filter((m) => m.senderId === id)) {
      expect(rows.find((row) => row.id === message.messageId)?.sequence).toBe(message.sequence);
    }
    expect(rows.map((row) => row.sequence)).toEqual(rows.map((_, i) => i + 1));
    expected.set(id, rows.filter((row) => row.actor === 'bot').length);
  }
  const arrivedAll = () =>
    senders.every((id) => new Set(burstReceiver.received.filter((w) => w.body.senderId === id).map((w) => w.body.messageCounter)).size === expected.get(id));
  await waitFor(arrivedAll, { timeoutMs: 60_000, what: 'every bot message of the burst after the restart' });
  for (const id of senders) expectAllInOrder(burstReceiver, id, expected.get(id)!);
  // And every accepted message was answered, its answers delivered.
  const answered = new Set(burstReceiver.received.map((w) => w.body.inReplyTo));
  expect(accepted.filter((m) => !answered.has(m.messageId))).toEqual([]);

  expect(await second.stop()).toBe(0);
}, BURST_TEST_TIMEOUT_MS);
