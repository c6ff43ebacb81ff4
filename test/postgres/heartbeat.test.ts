/**
 * What an instance had in flight goes to the others quickly when it stops: two server processes
 * on one PostgreSQL database, the first stopped while every conversation has an attempt in flight
 * with it. The leases it held last ten minutes, far longer than the test waits, so the survivor
 * can send every message in time only because the first instance's leases were freed: when it is
 * killed (SIGKILL), because its heartbeat stopped; when it is stopped (SIGTERM), because it freed
 * them itself on the way out.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { callOperation } from '../support/server.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { createTestDatabaseUrl } from '../support/test-store.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { waitFor } from '../support/wait-for.js';

const VERIFY_TOKEN = 'heartbeat-verify-token';
const CONVERSATIONS = 4;
/** Leases far longer than the test: only the heartbeat, or the instance itself, can free them in time. */
const LONG_LEASES = { WEBHOOK_TIMEOUT: '30s', WEBHOOK_LEASE: '10m' };

const processes: ServerProcess[] = [];
let receiver: WebhookReceiver | undefined;
let cleanup: (() => Promise<void>) | undefined;
let letGo: () => void = () => undefined;

afterEach(async () => {
  letGo();
  for (const p of processes.splice(0)) await p.kill();
  await receiver?.close();
  await cleanup?.();
});

it('sends what a killed instance had in flight once its heartbeat stops, long before its leases end', { timeout: 180_000 }, async () => {
  await sendsWhatTheFirstHadInFlight({ ...LONG_LEASES, HEARTBEAT_INTERVAL: '200ms', HEARTBEAT_TIMEOUT: '1s' }, (first) => first.kill());
});

it('sends what an instance stopped with SIGTERM had in flight at once: it frees its leases on the way out', { timeout: 180_000 }, async () => {
  // A heartbeat timeout as long as the leases: only the instance itself can free them in time.
  await sendsWhatTheFirstHadInFlight({ ...LONG_LEASES, HEARTBEAT_TIMEOUT: '10m', SHUTDOWN_GRACE: '100ms' }, async (first) => {
    expect(await first.stop()).toBe(0);
  });
});

/**
 * Every conversation's head in flight with the first instance (the receiver holds each webhook),
 * a second instance up, then `stopFirst`; every bot message must then arrive, in order, with no
 * repeat beyond the attempt the stop interrupted.
 */
async function sendsWhatTheFirstHadInFlight(env: Record<string, string>, stopFirst: (first: ServerProcess) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'wc-heartbeat-'));
  const database = await createTestDatabaseUrl(dir, 'heartbeat');
  cleanup = async () => {
    await database.drop();
    await rm(dir, { recursive: true, force: true });
  };
  // Holds every webhook until the first instance is gone, so each conversation's head stays in flight with it.
  const held = new Promise((resolve) => {
    letGo = () => resolve(undefined);
  });
  let holding = true;
  receiver = await startWebhookReceiver({ verifyToken: VERIFY_TOKEN, answer: () => (holding ? { status: 200, until: held } : { status: 200 }) });

  const first = await startServerProcess(database.url, env);
  processes.push(first);
  expect((await callOperation(first.url, 'putWebhookChannel', { body: { url: receiver.url, verifyToken: VERIFY_TOKEN } })).status).toBe(200);
  const senders = Array.from({ length: CONVERSATIONS }, (_, i) => `heartbeat-sender-${String(i).padStart(9, '0')}`);
  for (const text of ['hi', 'buttons']) {
    const answers = await Promise.all(senders.map((id) => callOperation(first.url, 'sendMessage', { body: { sender: { id }, message: { type: 'text', text } } })));
    expect(answers.map((r) => r.status)).toEqual(answers.map(() => 202));
  }
  // One attempt per conversation at a time: each conversation's head is in flight with the first instance.
  await waitFor(() => new Set(receiver!.received.map((w) => w.body.senderId)).size === CONVERSATIONS, { what: 'an attempt in flight in every conversation' });

  const second = await startServerProcess(database.url, env);
  processes.push(second);
  await stopFirst(first);
  holding = false;
  letGo();

  const expected = new Map<string, number>();
  for (const id of senders) {
    const res = await callOperation(second.url, 'listConversationMessages', { params: { senderId: id }, query: { limit: 100 } });
    expected.set(id, ((res.body as any).rows as any[]).filter((r) => r.actor === 'bot').length);
  }
  const counters = (id: string): number[] => receiver!.received.filter((w) => w.body.senderId === id).map((w) => w.body.messageCounter);
  await waitFor(() => senders.every((id) => new Set(counters(id)).size === expected.get(id)), { timeoutMs: 60_000, what: 'every bot message, sent by the survivor' });

  for (const id of senders) {
    let highest = 0;
    for (const counter of counters(id)) {
      expect(counter).toBeLessThanOrEqual(highest + 1); // in order
      highest = Math.max(highest, counter);
    }
    // Again only the attempt the stop interrupted.
    expect(counters(id).length - new Set(counters(id)).size).toBeLessThanOrEqual(1);
  }
}
