/**
 * The database goes away under load and comes back: while it is gone, sends (and every other
 * operation that touches the database) answer 503 with Retry-After (never 500), readiness says
 * so and the metrics still answer; when it is back, the server serves again by
 * itself, and every message that was answered 202 has all its answers delivered, in order.
 * This test owns its PostgreSQL server, since it stops it.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pathOperations } from '../support/contract.js';
import { callOperation, startTestServer, TEST_TOKEN, type TestServer } from '../support/server.js';
import { createTestDatabase, startPostgresServer, type PostgresServer } from '../support/postgres.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { waitFor } from '../support/wait-for.js';

const VERIFY_TOKEN = 'restart-verify-token';
const SENDERS = Array.from({ length: 6 }, (_, i) => `restart-sender-${String(i).padStart(10, '0')}`);

let postgres: PostgresServer;
let server: TestServer;
let receiver: WebhookReceiver;
let channelId: string;

/** A valid body for each operation that takes one: only the database is missing. */
const BODIES: Record<string, unknown> = {
  sendMessage: { sender: { id: SENDERS[0] }, message: { type: 'text', text: 'hi' } },
  sendChannelMessage: { user: { id: SENDERS[0] }, message: { textMessage: { text: 'hi' } } },
  putWebhookChannel: { url: 'http://127.0.0.1:9/webhook', verifyToken: VERIFY_TOKEN },
  legacySendMessage: { sender: { id: SENDERS[0] }, text: 'hi', verifyToken: VERIFY_TOKEN },
};

beforeAll(async () => {
  postgres = await startPostgresServer();
  const database = await createTestDatabase(postgres.adminUrl);
  receiver = await startWebhookReceiver({ verifyToken: VERIFY_TOKEN });
  server = await startTestServer({
    DATABASE_URL: database.url,
    DATABASE_CONNECT_TIMEOUT: '1s',
    RATE_LIMIT_PER_SECOND: '100000',
    RATE_LIMIT_BURST: '100000',
  });
  const channel = await server.call('putWebhookChannel', { body: { url: receiver.url, verifyToken: VERIFY_TOKEN } });
  expect(channel.status).toBe(200);
  channelId = (channel.body as any).id;
});
afterAll(async () => {
  await server?.close();
  await receiver?.close();
  await postgres?.destroy();
});

it('answers 503 with Retry-After while the database is down, and recovers by itself when it is back', async () => {
  const statuses: number[] = [];
  const retryAfters: string[] = [];
  let sent = 0;
  let stopSending = false;
  // Three clients sending in turn over the conversations until told to stop (bounded in count).
  const client = async (offset: number) => {
    while (!stopSending && sent < 2_000) {
      const id = SENDERS[(sent++ + offset) % SENDERS.length]!;
      const res = await callOperation(server.url, 'sendMessage', { body: { sender: { id }, message: { type: 'text', text: 'hi' } } });
      statuses.push(res.status);
      if (res.status === 503) retryAfters.push((res.headers as Headers).get('retry-after') ?? '');
    }
  };
  const clients = Promise.all([0, 1, 2].map(client));

  await waitFor(() => statuses.filter((s) => s === 202).length >= 30, { what: '30 accepted sends before the restart' });
  await postgres.stop('immediate');
  await waitFor(() => statuses.filter((s) => s === 503).length >= 5, { what: 'sends answered 503 while the database is down' });
  const ready = await callOperation(server.url, 'getReadiness');
  expect(ready.status).toBe(503);
  expect(ready.body).toMatchObject({ checks: { store: 'unavailable' } });
  // Not only sends: every operation that touches the database says so, as its spec declares.
  for (const op of pathOperations.filter((o) => o.statuses.includes('503') && o.operationId !== 'getReadiness')) {
    const res = await callOperation(server.url, op.operationId, {
      params: { senderId: SENDERS[0]!, deliveryId: 'dlv_00000000000000000000000000', channelId },
      body: BODIES[op.operationId],
      token: op.operationId === 'legacySendMessage' ? false : undefined,
      ...(op.security.includes('legacyAccessToken') && { query: { access_token: TEST_TOKEN } }),
    });
    expect({ operationId: op.operationId, status: res.status }).toEqual({ operationId: op.operationId, status: 503 });
    expect(Number((res.headers as Headers).get('retry-after'))).toBeGreaterThan(0);
  }
  // The metrics answer all the more: the queue depth is unknown meanwhile.
  const metrics = await callOperation(server.url, 'getMetrics');
  expect(metrics.status).toBe(200);
  // prom-client writes NaN as "Nan"; Prometheus reads any case.
  expect(metrics.body).toMatch(/^webhook_channel_delivery_queue_depth nan$/im);

  await postgres.start();
  const acceptedBefore = statuses.filter((s) => s === 202).length;
  await waitFor(() => statuses.filter((s) => s === 202).length >= acceptedBefore + 30, { timeoutMs: 60_000, what: 'sends accepted again after the restart' });
  stopSending = true;
  await clients;

  expect(new Set(statuses)).toEqual(new Set([202, 503]));
  expect(retryAfters.every((value) => Number(value) > 0)).toBe(true);
  await waitFor(async () => (await callOperation(server.url, 'getReadiness')).status === 200, { what: 'ready again' });

  // Every bot message stored (those of every 202, and of any 503 whose commit landed before the
  // connection dropped) arrives, in order per conversation; the counters are gapless.
  const stored = new Map<string, number>();
  for (const id of SENDERS) {
    const counters = (await allRows(id)).filter((r) => r.actor === 'bot').map((r) => r.messageCounter);
    expect(counters).toEqual(counters.map((_, i) => i + 1));
    stored.set(id, counters.length);
  }
  const arrived = (id: string) => new Set(receiver.received.filter((w) => w.body.senderId === id).map((w) => w.body.messageCounter));
  await waitFor(() => SENDERS.every((id) => arrived(id).size === stored.get(id)), { timeoutMs: 60_000, what: 'every stored bot message delivered' });
  for (const id of SENDERS) {
    let highest = 0;
    for (const counter of receiver.received.filter((w) => w.body.senderId === id).map((w) => w.body.messageCounter as number)) {
      // At least once and in order: never a counter before all smaller ones arrived.
      expect(counter).toBeLessThanOrEqual(highest + 1);
      highest = Math.max(highest, counter);
    }
  }
});

/** The conversation's whole history, page by page. */
async function allRows(senderId: string): Promise<any[]> {
  const rows: any[] = [];
  for (let page = 0; page < 100; page++) {
    const res = await server.call('listConversationMessages', { params: { senderId }, query: { limit: 100, offset: rows.length } });
    expect(res.status).toBe(200);
    const body = res.body as any;
    rows.push(...body.rows);
    if (rows.length >= body.count || body.rows.length === 0) break;
  }
  return rows;
}
