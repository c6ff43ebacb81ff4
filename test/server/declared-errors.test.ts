/**
 * Every error status the spec declares, for every operation, is produced by the server: the
 * generic ones (401, 404, 413, 415, 400) by a rule per kind, derived from the spec, the rest by
 * named cases. A last test fails when the spec declares a status that nothing here triggers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pathOperations, type PathOperation } from '../support/contract.js';
import { SENDER, startTestServer, TEST_TOKEN, type CallOptions, type TestServer } from '../support/server.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { holdWholeStore, testStore } from '../support/test-store.js';

const VERIFY_TOKEN = 'declared-errors-token';
let server: TestServer;
let held: TestServer;
/** A server with no channel, and one that allows a single failed authentication. */
let bare: TestServer;
let strict: TestServer;
let receiver: WebhookReceiver;

/** Each operation with only its error statuses: what this file must produce. */
const operations: PathOperation[] = pathOperations.map((op) => ({ ...op, statuses: op.statuses.filter((s) => Number(s) >= 400) }));

/** A valid body per operation with one, so that only the thing under test is wrong. */
const VALID_BODIES: Record<string, unknown> = {
  sendMessage: { sender: { id: SENDER }, message: { type: 'text', text: 'hi' } },
  sendChannelMessage: { user: { id: SENDER }, message: { textMessage: { text: 'hi' } } },
  putWebhookChannel: { url: 'http://127.0.0.1:9/webhook', verifyToken: VERIFY_TOKEN },
  legacySendMessage: { sender: { id: SENDER }, text: 'hi', verifyToken: VERIFY_TOKEN },
};

/** Path parameters that exist once the fixture below ran. */
let existing: Record<string, string>;

beforeAll(async () => {
  receiver = await startWebhookReceiver({ verifyToken: VERIFY_TOKEN });
  server = await startTestServer({ RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '1000' });
  held = await startTestServer({}, { startDelivery: false });
  bare = await startTestServer({}, { startDelivery: false });
  strict = await startTestServer({ AUTH_FAILURES_BURST: '1', AUTH_FAILURES_PER_SECOND: '1' }, { startDelivery: false });
  await server.call('putWebhookChannel', { body: { url: receiver.url, verifyToken: VERIFY_TOKEN } });
  await server.call('sendMessage', { body: VALID_BODIES.sendMessage });
  const deliveries = (await server.call('listDeliveries')).body as any;
  const channel = (await server.call('getWebhookChannel')).body as any;
  existing = { botId: 'demo', senderId: SENDER, deliveryId: deliveries.data[0].id, channelId: channel.id };
});
afterAll(async () => {
  await server?.close();
  await held?.close();
  await bare?.close();
  await strict?.close();
  await receiver?.close();
});

const call = (op: PathOperation, options: CallOptions) =>
  server.call(op.operationId, {
    params: existing,
    body: VALID_BODIES[op.operationId],
    ...options,
    // The legacy history takes its token in the query; the other operations in the header.
    query: { ...(op.security.includes('legacyAccessToken') && options.token !== false && { access_token: TEST_TOKEN }), ...options.query },
  });
/**
 * Operations that only read the database. An SQLite reader (WAL) never waits for a writer, so
 * another process holding the file cannot make these answer 503 on SQLite; on PostgreSQL they
 * do (a locked table, a lost database: test/postgres/database-restart.test.ts).
 */
const ONLY_READ = ['listChannels', 'getWebhookChannel', 'getWebhookSecret', 'listDeliveries', 'getDelivery', 'listConversationMessages', 'getConversationSession', 'streamEvents', 'getTestReceiver', 'legacyGetHistory'];
const covered = new Set<string>();
const cover = (op: PathOperation, status: string) => covered.add(`${op.operationId} ${status}`);

/** How each generic status is provoked; `applies` says for which operations the rule works. */
const GENERIC: Record<string, { what: string; applies?: (op: PathOperation) => boolean; provoke: (op: PathOperation) => Promise<void> }> = {
  '401': {
    what: 'without credentials, and the same for a bot that does not exist',
    async provoke(op) {
      const body = op.operationId === 'legacySendMessage' ? { ...(VALID_BODIES.legacySendMessage as object), verifyToken: 'not-the-token' } : undefined;
      const missing = await call(op, { token: false, ...(body && { body }) });
      expect(missing.status).toBe(401);
      if (op.path.includes('{botId}')) {
        // Fault 7 of issue 12: a 404 here told an unauthenticated caller which bots exist.
        const unknown = await call(op, { token: false, params: { ...existing, botId: 'no-such-bot' }, ...(body && { body }) });
        expect(unknown.status).toBe(401);
        expect(unknown.body).toEqual(missing.body);
        const wrong = await call(op, { token: 'not-the-token-0123456789', params: { ...existing, botId: 'no-such-bot' }, ...(body && { body }) });
        expect(wrong.body).toEqual(missing.body);
      }
    },
  },
  '404': {
    what: 'for a delivery, conversation or channel that does not exist',
    applies: (op) => op.path.includes('{botId}'),
    async provoke(op) {
      const res = op.path.includes('{deliveryId}')
        ? await call(op, { params: { ...existing, deliveryId: 'dlv_00000000000000000000000000' } })
        : op.path.includes('{senderId}')
          ? await call(op, { params: { ...existing, senderId: 'nobody-talked-0000000000' } })
          : await bare.call(op.operationId, { params: existing, body: VALID_BODIES[op.operationId], token: undefined });
      expect(res.status).toBe(404);
    },
  },
  '429': {
    what: 'after too many failed authentications from this address',
    applies: (op) => op.statuses.includes('401'),
    async provoke(op) {
      const body = op.operationId === 'legacySendMessage' ? { ...(VALID_BODIES.legacySendMessage as object), verifyToken: 'not-the-token' } : VALID_BODIES[op.operationId];
      const query = op.security.includes('legacyAccessToken') ? { access_token: 'not-the-token' } : undefined;
      const statuses: number[] = [];
      for (let i = 0; i < 3 && !statuses.includes(429); i++) {
        statuses.push((await strict.call(op.operationId, { params: existing, body, token: 'not-the-token-0123456789', ...(query && { query }) })).status);
      }
      expect(statuses).toContain(429);
    },
  },
  '415': {
    what: 'for a body that is not JSON',
    async provoke(op) {
      expect((await call(op, { body: 'text', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
    },
  },
  '413': {
    what: 'for a body over the limit',
    async provoke(op) {
      expect((await call(op, { body: `{"padding":"${'x'.repeat(300 * 1024)}"}` })).status).toBe(413);
    },
  },
  '400': {
    what: 'naming the field of an invalid request',
    async provoke(op) {
      const res = op.hasBody
        ? await call(op, { body: {} })
        : op.path.includes('{deliveryId}')
          ? await call(op, { params: { ...existing, deliveryId: 'not-a-delivery-id' } })
          : op.path.includes('{senderId}')
            ? await call(op, { params: { ...existing, senderId: 'x'.repeat(129) } })
            : op.queryParams.some((q) => q === 'limit' || q === 'status')
              ? await call(op, { query: { [op.queryParams.find((q) => q === 'limit' || q === 'status')!]: 0 } })
              : // A query parameter the operation does not declare (found by the reliability suite's fuzzing).
                await call(op, { query: { unknown: 'x' } });
      expect(res.status).toBe(400);
      expect((res.body as any).errors[0].location).toMatch(/^(body|path|query)/);
    },
  },
};

const genericCases = operations.flatMap((op) =>
  op.statuses
    .filter((status) => GENERIC[status] && (GENERIC[status]!.applies?.(op) ?? true))
    .map((status) => [op.operationId, status, GENERIC[status]!.what, op] as const),
);

describe('the generic errors, for every operation that declares them', () => {
  it.each(genericCases)('%s answers %s %s', async (_id, status, _what, op) => {
    await GENERIC[status]!.provoke(op);
    cover(op, status);
  });
});

describe('the statuses no generic rule covers', () => {
  it('putWebhookChannel 422: the URL does not echo the challenge', async () => {
    const op = operations.find((o) => o.operationId === 'putWebhookChannel')!;
    expect((await call(op, { body: { url: receiver.url, verifyToken: 'another-token-x' } })).status).toBe(422);
    cover(op, '422');
  });

  it('sendMessage 409 and sendChannelMessage 409', async () => {
    const send = operations.find((o) => o.operationId === 'sendMessage')!;
    await call(send, { headers: { 'idempotency-key': 'declared-409' } });
    expect((await call(send, { headers: { 'idempotency-key': 'declared-409' }, body: { sender: { id: SENDER }, message: { type: 'intro' } } })).status).toBe(409);
    cover(send, '409');
    const platform = operations.find((o) => o.operationId === 'sendChannelMessage')!;
    await call(platform, { headers: { 'idempotency-key': 'declared-409-v1' } });
    expect((await call(platform, { headers: { 'idempotency-key': 'declared-409-v1' }, body: { user: { id: SENDER }, message: { introMessage: {} } } })).status).toBe(409);
    cover(platform, '409');
  });

  it('sendMessage 429, sendChannelMessage 429 and legacySendMessage 429 past the rate limit', async () => {
    const limited = await startTestServer({ RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '1' });
    try {
      const channel = (await limited.call('putWebhookChannel', { body: { url: receiver.url, verifyToken: VERIFY_TOKEN } })).body as any;
      for (const id of ['sendMessage', 'sendChannelMessage', 'legacySendMessage']) {
        const op = operations.find((o) => o.operationId === id)!;
        const statuses: number[] = [];
        const token = id === 'legacySendMessage' ? false : undefined;
        for (let i = 0; i < 3; i++) statuses.push((await limited.call(id, { body: VALID_BODIES[id], token, params: { channelId: channel.id } })).status);
        expect(statuses).toContain(429);
        cover(op, '429');
      }
    } finally {
      await limited.close();
    }
  });

  it('sendMessage, sendChannelMessage and legacySendMessage 422 when the session would pass its limit', async () => {
    const small = await startTestServer({ SESSION_MAX_VARIABLES: '1' });
    try {
      await small.call('putWebhookChannel', { body: { url: receiver.url, verifyToken: VERIFY_TOKEN } });
      const send = operations.find((o) => o.operationId === 'sendMessage')!;
      const twoVariables = { ...(VALID_BODIES.sendMessage as object), sessionData: { a: 1, b: 2 } };
      expect((await small.call('sendMessage', { body: twoVariables })).status).toBe(422);
      cover(send, '422');
      expect((await small.call('sendMessage', { body: { ...(VALID_BODIES.sendMessage as object), sessionData: { a: 1 } } })).status).toBe(202);
      const channel = (await small.call('getWebhookChannel')).body as any;
      const platform = operations.find((o) => o.operationId === 'sendChannelMessage')!;
      const platformTwoVariables = { ...(VALID_BODIES.sendChannelMessage as object), sessionData: { a: 1, b: 2 } };
      expect((await small.call('sendChannelMessage', { body: platformTwoVariables, params: { channelId: channel.id } })).status).toBe(422);
      cover(platform, '422');
      // The locale becomes the session's second variable, preferredLanguage.
      const legacy = operations.find((o) => o.operationId === 'legacySendMessage')!;
      const withLocale = { ...(VALID_BODIES.legacySendMessage as object), locale: 'en' };
      expect((await small.call('legacySendMessage', { body: withLocale, token: false })).status).toBe(422);
      cover(legacy, '422');
    } finally {
      await small.close();
    }
  });

  it('every operation that touches the database 503s with Retry-After while another process holds it', async () => {
    // The connect timeout: long enough to connect on a busy machine, short enough to give up on
    // SQLite's lock soon. The statement timeout gives up on PostgreSQL's locked tables.
    const postgres = testStore() === 'postgres';
    const locked = await startTestServer({ DATABASE_CONNECT_TIMEOUT: postgres ? '2s' : '1s', DATABASE_STATEMENT_TIMEOUT: postgres ? '1s' : '2s' });
    try {
      const channel = (await locked.call('putWebhookChannel', { body: { url: receiver.url, verifyToken: VERIFY_TOKEN } })).body as any;
      const lock = await holdWholeStore(locked.databaseUrl);
      try {
        for (const op of operations.filter((o) => o.statuses.includes('503') && o.operationId !== 'getReadiness')) {
          if (!postgres && ONLY_READ.includes(op.operationId)) continue;
          // The wait for the lock runs from the event loop (SQLite's own busy wait held the whole
          // process until the send gave up: this test's timers too, as the server runs in it).
          let ticks = 0;
          const ticker = setInterval(() => ticks++, 20);
          const res = await locked.call(op.operationId, {
            params: { ...existing, channelId: channel.id },
            // The channel's URL must pass its handshake before anything is written.
            body: op.operationId === 'putWebhookChannel' ? { url: receiver.url, verifyToken: VERIFY_TOKEN } : VALID_BODIES[op.operationId],
            token: op.operationId === 'legacySendMessage' ? false : undefined,
            ...(op.security.includes('legacyAccessToken') && { query: { access_token: TEST_TOKEN } }),
          });
          clearInterval(ticker);
          expect({ operationId: op.operationId, status: res.status }).toEqual({ operationId: op.operationId, status: 503 });
          // PostgreSQL's client always waited from the event loop; SQLite's is the one to watch.
          if (!postgres) expect(ticks).toBeGreaterThanOrEqual(10);
          expect(Number((res.headers as Headers).get('retry-after'))).toBeGreaterThan(0);
          cover(op, '503');
        }
      } finally {
        await lock.release();
      }
      // Nothing was stored, and the store serves again by itself.
      expect((await locked.call('sendMessage', { body: VALID_BODIES.sendMessage })).status).toBe(202);
      expect((await locked.call('getWebhookChannel')).status).toBe(200);
    } finally {
      await locked.close();
    }
  });

  it('getReadiness 503 while the delivery worker does not run', async () => {
    const res = await held.call('getReadiness');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: 'unavailable', checks: { delivery: 'stopped' } });
    cover(operations.find((o) => o.operationId === 'getReadiness')!, '503');
  });
});

it('covers every error status the spec declares, for every operation', () => {
  // Operations without a bot declare 404 for their unknown neighbours (any unknown route answers a
  // 404 problem: operations.test.ts) and, for /docs, for docs that were not built.
  const routeLevel = ['getHealth', 'getReadiness', 'getMetrics', 'getOpenApiDocument', 'getDocs', 'getConsole'];
  const missing = operations
    .flatMap((op) => op.statuses.map((status) => `${op.operationId} ${status}`))
    .filter((key) => !covered.has(key) && !(key.endsWith(' 404') && routeLevel.includes(key.split(' ')[0]!)))
    // 500 is every operation's answer to a fault, one rendering for all: owasp-bounds.test.ts provokes it.
    .filter((key) => !key.endsWith(' 500'))
    .filter((key) => !(testStore() === 'sqlite' && key.endsWith(' 503') && ONLY_READ.includes(key.split(' ')[0]!)));
  expect(missing).toEqual([]);
});
