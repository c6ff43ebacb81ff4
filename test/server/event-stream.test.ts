/**
 * The event stream (`GET /v1/bots/{botId}/events`): every user and bot message and every
 * delivery update, in order, live as Server-Sent Events or a page at a time; resumed exactly
 * with `Last-Event-ID`, across a restart too; filtered by conversation; a slow reader is dropped.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEventStream, type SseMessage } from '../support/event-stream.js';
import { SENDER, startTestServer, TEST_TOKEN, type TestServer } from '../support/server.js';
import { waitFor } from '../support/wait-for.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const VERIFY_TOKEN = 'event-stream-token';
const OTHER_SENDER = 'b8466041-fa92-11e7-8308-2f056e75d1ee';
let server: TestServer;
let receiver: WebhookReceiver;

const send = (text: string, senderId = SENDER) =>
  server.call('sendMessage', { body: { sender: { id: senderId }, message: { type: 'text', text } } });
const page = async (query: Record<string, string | number> = {}) => (await server.call('streamEvents', { query: { limit: 500, ...query } })).body as any;
const ids = (messages: SseMessage[]) => messages.map((m) => m.id);
/** Waits until every delivery was attempted to success, so the log stops growing. */
const settle = (on: TestServer = server) =>
  waitFor(async () => ((await on.call('listDeliveries', { query: { status: 'pending' } })).body as any).data.length === 0, { what: 'no pending delivery' });

beforeAll(async () => {
  receiver = await startWebhookReceiver({ verifyToken: VERIFY_TOKEN });
  server = await startTestServer({}, { eventStream: { pollIntervalMs: 20 } });
  expect((await server.call('putWebhookChannel', { body: { url: receiver.url, verifyToken: VERIFY_TOKEN } })).status).toBe(200);
});
afterAll(async () => {
  await server?.close();
  await receiver?.close();
});

describe('the log as a page (application/json)', () => {
  it('records the user message, then each bot message with its webhook body, in order', async () => {
    const before = (await page()).lastEventId ?? '0';
    expect((await send('hi')).status).toBe(202);
    const { data } = await page({ after: before });
    const created = data.filter((e: any) => e.type === 'message.created');
    expect(created.map((e: any) => e.actor)).toEqual(['user', 'bot', 'bot', 'bot']);
    expect(created[0].event).toMatchObject({ senderId: SENDER, botId: 'demo', sequence: expect.any(Number), message: { type: 'text', text: 'hi' } });
    expect(created.slice(1).map((e: any) => e.event.messageCounter)).toEqual([1, 2, 3].map((n) => n + created[1].event.messageCounter - 1));
    expect(created[1].event).not.toHaveProperty('verifyToken');
    const numbers = data.map((e: any) => Number(e.id));
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    expect(new Set(numbers).size).toBe(numbers.length);
  });

  it('records every delivery attempt with the delivery as it then stands', async () => {
    await settle();
    const before = (await page()).lastEventId ?? '0';
    await send('hi');
    await settle();
    const updates = (await page({ after: before })).data.filter((e: any) => e.type === 'delivery.updated');
    expect(updates).toHaveLength(3);
    for (const u of updates) {
      expect(u.attempt).toMatchObject({ number: 1, outcome: 'succeeded', statusCode: 200, latencyMs: expect.any(Number) });
      expect(u.delivery).toMatchObject({ senderId: SENDER, status: 'succeeded', attemptCount: 1, lastStatusCode: 200 });
    }
  });

  it('pages with after and lastEventId, and filters by conversation', async () => {
    await send('hi', OTHER_SENDER);
    await settle();
    const all = (await page()).data;
    const first = await page({ limit: 2 });
    expect(first.data.map((e: any) => e.id)).toEqual(all.slice(0, 2).map((e: any) => e.id));
    const next = await page({ after: first.lastEventId, limit: 3 });
    expect(next.data.map((e: any) => e.id)).toEqual(all.slice(2, 5).map((e: any) => e.id));
    const other = (await page({ senderId: OTHER_SENDER })).data;
    expect(other.length).toBeGreaterThanOrEqual(4);
    expect(other.every((e: any) => (e.event?.senderId ?? e.delivery?.senderId) === OTHER_SENDER)).toBe(true);
    expect((await page({ after: all[all.length - 1].id })).data).toEqual([]);
  });
});

describe('the live stream (text/event-stream)', () => {
  it('sends what is already in the log, then each new event as it is committed', async () => {
    await settle();
    const logged = (await page()).data;
    const stream = await openEventStream(server.url);
    try {
      expect(stream.status).toBe(200);
      expect(stream.contentType).toMatch(/^text\/event-stream/);
      await stream.until((m) => m.length >= logged.length, 'the logged events');
      expect(ids(stream.messages.slice(0, logged.length))).toEqual(logged.map((e: any) => e.id));
      await send('hi');
      await stream.until((m) => m.filter((e) => e.event === 'delivery.updated' && e.data.delivery.status === 'succeeded').length >= logged.filter((e: any) => e.type === 'delivery.updated').length + 3, 'the new deliveries');
      for (const m of stream.messages) {
        expect(m.event).toBe(m.data.type);
        expect(m.id).toBe(m.data.id);
      }
      const numbers = stream.messages.map((m) => Number(m.id));
      expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
      expect(new Set(numbers).size).toBe(numbers.length);
      expect(stream.invalid).toEqual([]);
    } finally {
      stream.close();
    }
  });

  it('resumes after Last-Event-ID (it wins over the URL\'s after, as an EventSource reconnects)', async () => {
    await settle();
    const all = (await page()).data;
    const from = all[Math.floor(all.length / 2)].id;
    const stream = await openEventStream(server.url, { lastEventId: from, query: { after: '0' } });
    try {
      await stream.until((m) => m.length >= all.length - all.findIndex((e: any) => e.id === from) - 1);
      expect(ids(stream.messages)).toEqual(all.filter((e: any) => Number(e.id) > Number(from)).map((e: any) => e.id));
    } finally {
      stream.close();
    }
  });

  it('filters by conversation', async () => {
    const stream = await openEventStream(server.url, { query: { senderId: OTHER_SENDER } });
    try {
      const expected = (await page({ senderId: OTHER_SENDER })).data.length;
      await stream.until((m) => m.length >= expected);
      expect(stream.messages.every((m) => (m.data.event?.senderId ?? m.data.delivery?.senderId) === OTHER_SENDER)).toBe(true);
    } finally {
      stream.close();
    }
  });

  it('streams every event once while many conversations are answered at once (ids follow commit order)', async () => {
    await settle();
    const start = (((await server.call('streamEvents', { query: { after: 'now' } })).body as any).lastEventId as string | null) ?? '0';
    const stream = await openEventStream(server.url, { query: { after: start } });
    try {
      const senders = Array.from({ length: 60 }, (_, i) => `commit-order-${String(i).padStart(12, '0')}`);
      for (let round = 0; round < 4; round++) await Promise.all(senders.map((id) => send('hi', id)));
      await settle();
      const logged: any[] = [];
      for (let after = start; ; ) {
        const next = ((await server.call('streamEvents', { query: { after, limit: 500 } })).body as any) as { data: any[]; lastEventId: string };
        logged.push(...next.data);
        if (next.data.length < 500) break;
        after = next.lastEventId;
      }
      await stream.until((m) => m.length >= logged.length, 'every logged event on the stream');
      expect(ids(stream.messages)).toEqual(logged.map((e) => e.id));
    } finally {
      stream.close();
    }
  });

  it('refuses a cursor past the safe integers, rather than rounding it', async () => {
    for (const after of ['999999999999999999', '1234567890123456']) {
      expect((await server.call('streamEvents', { query: { after } })).status).toBe(400);
      expect((await server.call('streamEvents', { headers: { 'last-event-id': after } })).status).toBe(400);
    }
  });

  it('answers 429 with Retry-After past the streams one bot may hold open', async () => {
    const limited = await startTestServer({}, { eventStream: { maxStreamsPerBot: 2 } });
    const open = [await openEventStream(limited.url), await openEventStream(limited.url)];
    try {
      expect(open.map((s) => s.status)).toEqual([200, 200]);
      const res = await fetch(`${limited.url}/v1/bots/demo/events`, { headers: { accept: 'text/event-stream', authorization: `Bearer ${TEST_TOKEN}` } });
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      await res.body?.cancel();
      open[0]!.close();
      await waitFor(() => limited.server.eventHub.size === 1, { what: 'the closed stream to be let go' });
      const again = await openEventStream(limited.url);
      expect(again.status).toBe(200);
      again.close();
    } finally {
      for (const s of open) s.close();
      await limited.close();
    }
  });

  it('needs the bot token', async () => {
    const stream = await openEventStream(server.url, { token: 'not-the-token-at-all' });
    expect(stream.status).toBe(401);
  });
});

describe('across a restart', () => {
  it('resumes with Last-Event-ID on the restarted server with nothing lost or repeated', async () => {
    // No channel: the deliveries are held, so the log holds exactly four events per turn.
    const first = await startTestServer({}, { eventStream: { pollIntervalMs: 20 } });
    let second: TestServer | undefined;
    try {
      for (let turn = 0; turn < 3; turn++) await first.call('sendMessage', { body: { sender: { id: SENDER }, message: { type: 'text', text: 'hi' } } });
      const stream = await openEventStream(first.url);
      await stream.until((m) => m.length >= 12);
      const lastSeen = stream.messages[3]!.id!;
      stream.close();
      await first.server.close();

      second = await startTestServer({ DATABASE_URL: first.databaseUrl }, { eventStream: { pollIntervalMs: 20 } });
      const resumed = await openEventStream(second.url, { lastEventId: lastSeen });
      try {
        await second.call('sendMessage', { body: { sender: { id: SENDER }, message: { type: 'text', text: 'hi' } } });
        await resumed.until((m) => m.length >= 12, 'the eight events after the last seen, and the new turn\'s four');
        const logged = ((await second.call('streamEvents', { query: { after: lastSeen, limit: 500 } })).body as any).data;
        expect(logged).toHaveLength(12);
        expect(ids(resumed.messages)).toEqual(logged.map((e: any) => e.id));
        expect(ids(resumed.messages).slice(0, 8)).toEqual(ids(stream.messages.slice(4, 12)));
        expect(resumed.invalid).toEqual([]);
      } finally {
        resumed.close();
      }
    } finally {
      await second?.close();
      await first.close();
    }
  });
});

describe('a client that reads too slowly', () => {
  it('is sent `dropped` with its last event id and disconnected, and the server keeps serving', async () => {
    const slow = await startTestServer({ RATE_LIMIT_PER_SECOND: '10000', RATE_LIMIT_BURST: '10000' }, {
      startDelivery: false,
      eventStream: { pollIntervalMs: 20, maxBufferedBytes: 16 * 1024 },
    });
    try {
      const chunks: Buffer[] = [];
      const ended = new Promise<void>((resolve, reject) => {
        const req = request(`${slow.url}/v1/bots/demo/events`, { headers: { accept: 'text/event-stream', authorization: `Bearer ${TEST_TOKEN}` } }, (res) => {
          res.pause(); // read nothing until the server has had to buffer
          slowResponse = res;
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', resolve);
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end();
      });
      let slowResponse: import('node:http').IncomingMessage | undefined;
      await waitFor(() => slowResponse !== undefined, { what: 'the stream to open' });
      // Write far more than the socket buffers and the bound can hold, until the server gives up on the reader.
      const big = 'x'.repeat(4000);
      for (let batch = 0; batch < 200 && slow.server.eventHub.size > 0; batch++) {
        await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            slow.call('sendMessage', { body: { sender: { id: `slow-reader-${String(i).padStart(20, '0')}` }, message: { type: 'text', text: `${batch} ${big}` } } }),
          ),
        );
      }
      expect(slow.server.eventHub.size).toBe(0);
      slowResponse!.resume();
      await ended;
      const text = Buffer.concat(chunks).toString('utf8');
      const last = text.trimEnd().split('\n\n').pop()!;
      expect(last).toMatch(/^event: dropped\ndata: /);
      const dropped = JSON.parse(last.split('data: ')[1]!);
      const sentIds = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => m[1]);
      expect(dropped.lastEventId).toBe(sentIds[sentIds.length - 1]);
      expect((await slow.call('getHealth')).status).toBe(200);
      // It can reconnect from there and get the rest.
      const resumed = await openEventStream(slow.url, { lastEventId: dropped.lastEventId });
      try {
        await resumed.until((m) => m.length > 0);
        expect(Number(resumed.messages[0]!.id)).toBe(Number(dropped.lastEventId) + 1);
      } finally {
        resumed.close();
      }
    } finally {
      await slow.close();
    }
  });
});
