/**
 * The reliability suite (issue 12): attacks the server the way the world will, and prints one
 * summary table. `npm run test:reliability` runs it alone; `npm test` runs it at CI size.
 * RELIABILITY_SCALE=10 (or more) multiplies every count for a longer run.
 *
 * - bad input: fast-check mutations of every operation's request, from the spec;
 * - misbehaving receivers: a fault-injecting receiver drives the delivery worker; a 429's
 *   `Retry-After` in each HTTP-date form is waited for to the millisecond (a clock the test moves);
 * - crashes: repeated SIGKILL of a server process during sustained traffic, on the store the run
 *   uses (SQLite, or PostgreSQL in the `postgres` project: test/support/test-store.ts);
 * - abuse: failed-authentication floods beside authenticated traffic; floods of made-up ids with
 *   the server's heap sampled after a full garbage collection, round after round;
 *   slow-loris connections (cut off while authenticated sends are answered);
 * - soak: steady traffic with a healthy receiver: median latency and most deliveries pending in
 *   the last half against the first, the heap after gc idle to idle, the queue back to zero.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { pathOperations } from '../support/contract.js';
import { startServerProcess, type ServerProcess, type ServerProcessOptions } from '../support/server-process.js';
import { callOperation, SENDER, startTestServer, TEST_TOKEN, type TestServer } from '../support/server.js';
import { createTestDatabaseUrl } from '../support/test-store.js';
import { waitFor } from '../support/wait-for.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';
import { startFaultReceiver, type Attempt, type Fault } from './fault-receiver.js';
import { median, megabytes } from './trend.js';
import { openSlowClient, type SlowClient, type SlowKind, type SlowRequest } from './slow-client.js';

const SCALE = Math.max(1, Number(process.env.RELIABILITY_SCALE ?? 1));
const SEED = Number(process.env.RELIABILITY_SEED ?? 20261129);
const VERIFY_TOKEN = 'reliability-verify-token';
// Each part is bounded by its counts; the deadline only catches a hang.
const PART_TIMEOUT = { timeout: 900_000 * SCALE };

interface Row {
  category: string;
  cases: number;
  faults: number;
  sent: number;
  delivered: number;
  duplicated: number;
  lost: number;
  outOfOrder: number;
  /** What else the part measured, in a few words. */
  notes: string;
}
const rows: Row[] = [];
const row = (category: string): Row => {
  const r = { category, cases: 0, faults: 0, sent: 0, delivered: 0, duplicated: 0, lost: 0, outOfOrder: 0, notes: '' };
  rows.push(r);
  return r;
};

afterAll(() => {
  const head = ['category', 'cases', 'faults injected', 'messages sent', 'delivered', 'duplicated', 'lost', 'out of order', 'measured'];
  const body = rows.map((r) => [r.category, r.cases, r.faults, r.sent, r.delivered, r.duplicated, r.lost, r.outOfOrder, r.notes].map(String));
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  console.log(['', `reliability summary (RELIABILITY_SCALE=${SCALE}, seed ${SEED})`, line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n'));
});

// ---------------------------------------------------------------------------------------------
// Bad input
// ---------------------------------------------------------------------------------------------

const VALID_BODIES: Record<string, Record<string, unknown>> = {
  sendMessage: { sender: { id: SENDER, firstName: 'Ada' }, message: { type: 'text', text: 'hi' }, sessionData: { plan: 'pro' } },
  putWebhookChannel: { url: 'http://127.0.0.1:9/webhook', verifyToken: VERIFY_TOKEN },
  legacySendMessage: { sender: { id: SENDER }, text: 'hi', verifyToken: VERIFY_TOKEN },
  sendChannelMessage: { message: { textMessage: { text: 'hi' } }, user: { id: '712345678901234567', firstName: 'Ada' } },
};

/** An operation as the fuzzer drives it: its valid body, if it takes one, and its declared statuses. */
interface Operation {
  operationId: string;
  template: string;
  method: string;
  declared: Set<number>;
  body?: Record<string, unknown>;
  query: string[];
}

const operations: Operation[] = pathOperations.map((op) => ({
  operationId: op.operationId,
  template: op.path,
  method: op.method.toUpperCase(),
  declared: new Set(op.statuses.map(Number)),
  ...(op.hasBody && { body: VALID_BODIES[op.operationId] ?? {} }),
  query: op.queryParams,
}));

type Mutation = { category: string; apply(op: Operation): { body?: string | Uint8Array; headers?: Record<string, string>; params?: Record<string, string>; query?: Record<string, string> } };

const pathOf = (value: unknown): fc.Arbitrary<string[]> => {
  const paths: string[][] = [];
  const walk = (at: unknown, path: string[]) => {
    paths.push(path);
    if (at && typeof at === 'object') for (const [k, v] of Object.entries(at)) walk(v, [...path, k]);
  };
  walk(value, []);
  const fields = paths.filter((p) => p.length > 0);
  return fc.constantFrom(...(fields.length > 0 ? fields : [['field']]));
};
const setAt = (value: any, path: string[], replacement: unknown, remove = false): any => {
  const copy = structuredClone(value);
  let at = copy;
  for (const key of path.slice(0, -1)) at = at[key];
  if (remove) delete at[path[path.length - 1]!];
  else at[path[path.length - 1]!] = replacement;
  return copy;
};
const json = (value: unknown) => ({ body: JSON.stringify(value) });
const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

function bodyMutations(valid: Record<string, unknown>): fc.Arbitrary<Mutation> {
  const m = (category: string, apply: Mutation['apply']): Mutation => ({ category, apply });
  return fc.oneof(
    fc.tuple(pathOf(valid), fc.jsonValue({ maxDepth: 3 })).map(([p, v]) => m('wrong type or value', () => json(setAt(valid, p, v)))),
    pathOf(valid).map((p) => m('missing field', () => json(setAt(valid, p, undefined, true)))),
    fc.tuple(pathOf(valid), fc.string({ minLength: 1, maxLength: 12 }), fc.jsonValue({ maxDepth: 2 })).map(([p, k, v]) =>
      m('extra field', () => json(setAt(valid, [...p.slice(0, -1), k], v))),
    ),
    fc.tuple(pathOf(valid), fc.integer({ min: 5_000, max: 400_000 })).map(([p, n]) => m('huge string', () => json(setAt(valid, p, 'x'.repeat(n))))),
    fc.tuple(pathOf(valid), fc.integer({ min: 30, max: 20_000 })).map(([p, depth]) =>
      m('deep nesting', () => ({ body: JSON.stringify(setAt(valid, p, '__NESTED__')).replace('"__NESTED__"', nested(depth)) })),
    ),
    fc.jsonValue({ maxDepth: 2 }).map((v) => m('__proto__ key', () => ({ body: `{"__proto__":${JSON.stringify(v)},${JSON.stringify(valid).slice(1)}` }))),
    fc.tuple(fc.constantFrom(...Object.keys(valid), 'field'), fc.jsonValue({ maxDepth: 2 })).map(([k, v]) =>
      m('duplicate key', () => ({ body: `${JSON.stringify(valid).slice(0, -1)},${JSON.stringify(k)}:${JSON.stringify(v)}}` })),
    ),
    fc.nat().map((n) => m('truncated JSON', () => {
      const text = JSON.stringify(valid);
      return { body: text.slice(0, n % text.length) };
    })),
    fc.constantFrom([0xc3, 0x28], [0xff], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xc0, 0xaf]).map((bytes) =>
      m('invalid UTF-8', () => {
        const text = JSON.stringify(setAt(valid, [Object.keys(valid)[0]!], '@@'));
        const at = text.indexOf('@@');
        return { body: Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from(bytes), Buffer.from(text.slice(at + 2))]) };
      }),
    ),
    fc.constantFrom('text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'application/json; charset=utf-16', 'application/merge-patch+json', 'json', ';;;').map((type) =>
      m('content type', () => ({ ...json(valid), headers: { 'content-type': type } })),
    ),
    fc.constantFrom('gzip', 'br', 'deflate', 'compress', 'x-custom', 'identity, gzip', 'GZIP').map((encoding) =>
      m('content encoding', () => ({ ...json(valid), headers: { 'content-encoding': encoding } })),
    ),
  );
}

const oddText = fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 50 }), fc.constantFrom('', '0', '-1', '1e309', 'NaN', '../..', '%00', '__proto__', 'x'.repeat(5000)));
const requestMutations = (op: Operation): fc.Arbitrary<Mutation> =>
  fc.oneof(
    fc.tuple(fc.constantFrom('botId', 'senderId', 'deliveryId', 'channelId'), oddText).map(([name, value]) => ({ category: 'path parameter', apply: () => ({ params: { [name]: value } }) })),
    fc.tuple(fc.constantFrom(...op.query, 'unknown', 'access_token'), oddText).map(([name, value]) => ({ category: 'query parameter', apply: () => ({ query: { [name]: value } }) })),
  );

describe('bad input', () => {
  it('answers every mutated request of every operation with a declared status, 4xx as problem+json, never 5xx or a hang', PART_TIMEOUT, async () => {
    const stats = row('bad input (fuzz)');
    const byCategory = new Map<string, number>();
    const server = await startTestServer({ RATE_LIMIT_PER_SECOND: '1000000', RATE_LIMIT_BURST: '1000000' }, { startDelivery: false, verifyWebhookUrl: async () => ({ ok: true }) });
    try {
      expect((await server.call('putWebhookChannel', { body: VALID_BODIES.putWebhookChannel })).status).toBe(200);
      expect((await server.call('sendMessage', { body: VALID_BODIES.sendMessage })).status).toBe(202);
      const deliveryId = (((await server.call('listDeliveries')).body as any).data[0]).id as string;
      const channelId = String(((await server.call('getWebhookChannel')).body as any).id ?? '');
      const baseParams: Record<string, string> = { botId: 'demo', senderId: SENDER, deliveryId, channelId };
      for (const op of operations) {
        const runs = (op.body ? 300 : 50) * SCALE;
        const arbitrary = op.body ? fc.oneof({ arbitrary: bodyMutations(op.body), weight: 4 }, { arbitrary: requestMutations(op), weight: 1 }) : requestMutations(op);
        await fc.assert(
          fc.asyncProperty(arbitrary, async (mutation) => {
            const change = mutation.apply(op);
            const params = { ...baseParams, ...change.params };
            const path = op.template.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
            const url = new URL(server.url + path);
            for (const [k, v] of Object.entries(change.query ?? {})) url.searchParams.set(k, v);
            if (op.operationId === 'legacyGetHistory' && !change.query?.access_token) url.searchParams.set('access_token', TEST_TOKEN);
            const body = change.body ?? (op.body ? JSON.stringify(op.body) : undefined);
            const headers: Record<string, string> = { authorization: `Bearer ${TEST_TOKEN}`, ...(body !== undefined && { 'content-type': 'application/json' }), ...change.headers };
            const res = await fetch(url, { method: op.method, headers, body: body as BodyInit | undefined, signal: AbortSignal.timeout(20_000) });
            const text = await res.text();
            stats.cases++;
            byCategory.set(mutation.category, (byCategory.get(mutation.category) ?? 0) + 1);
            const where = `${op.operationId} ${mutation.category}: ${res.status} ${text.slice(0, 200)}`;
            // Readiness declares its 503 (the worker is not running in this server); nothing else may answer 5xx.
            if (op.operationId !== 'getReadiness') expect(res.status, where).toBeLessThan(500);
            if (res.status >= 400) {
              // A path parameter with a slash may route nowhere: any unknown route is a 404 problem.
              expect(op.declared.has(res.status) || res.status === 404 || res.status === 405, where).toBe(true);
              if (res.status < 500) {
                expect(res.headers.get('content-type'), where).toMatch(/^application\/problem\+json/);
                expect(JSON.parse(text).status, where).toBe(res.status);
              }
            }
          }),
          { numRuns: runs, seed: SEED, endOnFailure: true },
        );
      }
      // Still serving, and serving right.
      expect((await server.call('getHealth')).status).toBe(200);
      expect((await server.call('sendMessage', { body: VALID_BODIES.sendMessage })).status).toBe(202);
      console.log(`bad input cases by kind: ${[...byCategory].map(([k, n]) => `${k} ${n}`).join(', ')}`);
      stats.faults = stats.cases;
    } finally {
      await server.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Misbehaving receivers
// ---------------------------------------------------------------------------------------------

const SCHEDULE = [0, 40, 80, 120, 160, 200, 240];
const FAULTS: Fault[] = [
  { kind: 'status', status: 500 },
  { kind: 'status', status: 503 },
  { kind: 'hang' },
  { kind: 'reset' },
  { kind: 'redirect' },
  { kind: 'status', status: 404 },
  { kind: 'too-many', retryAfter: '1' },
  { kind: 'too-many', retryAfter: '0' },
  { kind: 'too-many', retryAfter: new Date(Date.now() - 60_000).toUTCString() },
  { kind: 'too-many', retryAfter: 'soon' },
  { kind: 'too-many', retryAfter: '' },
];
const hash = (text: string) => [...text].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, SEED);

/** A scratch bots directory: the demo bot, and the same definition as a second bot `other`. */
function twoBots(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wc-bots-'));
  cpSync('bots/demo.yaml', join(dir, 'demo.yaml'));
  cpSync('bots/demo.yaml', join(dir, 'other.yaml'));
  return dir;
}

describe('misbehaving receivers', () => {
  it('follows the schedule, keeps order per conversation, disables only the channel that answered 410, and delivers or shows as failed every message', PART_TIMEOUT, async () => {
    const stats = row('misbehaving receivers');
    let failingHeals = false;
    const receiver = await startFaultReceiver(VERIFY_TOKEN, (attempt, previous) => {
      if (attempt.path === '/gone') return { kind: 'gone' };
      if (attempt.senderId === 'reliability-always-failing-00') return failingHeals ? { kind: 'ok' } : { kind: 'status', status: 500 };
      const h = hash(attempt.webhookId);
      const faulty = h % 4; // 0 to 3 faults, then an acknowledgement
      if (previous.length >= faulty) return previous.length % 2 === 0 || h % 3 ? { kind: 'ok' } : { kind: h % 2 ? 'slow-ok' : 'huge-ok' };
      return FAULTS[(h + previous.length) % FAULTS.length]!;
    });
    const bots = twoBots();
    const server = await startTestServer({
      BOTS_DIR: bots,
      WEBHOOK_RETRY_SCHEDULE: SCHEDULE.map((ms) => `${ms}ms`).join(','),
      WEBHOOK_TIMEOUT: '2s',
      RATE_LIMIT_PER_SECOND: '100000',
      RATE_LIMIT_BURST: '100000',
    });
    try {
      const otherToken = server.server.issuedTokens.get('other')!;
      expect((await server.call('putWebhookChannel', { body: { url: receiver.url, verifyToken: VERIFY_TOKEN } })).status).toBe(200);
      const other = await server.call('putWebhookChannel', { params: { botId: 'other' }, token: otherToken, body: { url: receiver.url.replace('/webhook', '/gone'), verifyToken: VERIFY_TOKEN } });
      expect(other.status, JSON.stringify(other.body)).toBe(200);
      expect((await server.call('sendMessage', { params: { botId: 'other' }, token: otherToken, body: { sender: { id: SENDER }, message: { type: 'text', text: 'hi' } } })).status).toBe(202);

      const senders = Array.from({ length: 6 * SCALE }, (_, i) => `reliability-sender-${String(i).padStart(10, '0')}`);
      for (const text of ['hi', 'menu', 'help']) {
        await Promise.all(senders.map(async (id) => expect((await server.call('sendMessage', { body: { sender: { id }, message: { type: 'text', text } } })).status).toBe(202)));
        stats.sent += senders.length;
      }
      const failing = 'reliability-always-failing-00';
      expect((await server.call('sendMessage', { body: { sender: { id: failing }, message: { type: 'text', text: 'hi' } } })).status).toBe(202);
      stats.sent++;
      const db = server.server.database.db;
      const pending = async (botId: string) =>
        Number((await db.selectFrom('deliveries').select((eb) => eb.fn.countAll<number>().as('n')).where('bot_id', '=', botId).where('status', '=', 'pending').executeTakeFirstOrThrow()).n);
      await waitFor(async () => (await pending('demo')) === 0, { timeoutMs: 240_000, what: 'every delivery of demo delivered or failed' });

      // 410 disabled only `other`; `demo` stays active.
      expect(((await server.call('getWebhookChannel', { params: { botId: 'other' }, token: otherToken })).body as any).status).toBe('disabled');
      expect(((await server.call('getWebhookChannel')).body as any).status).toBe('active');

      // The always-failing conversation is visible as failed, and redelivered on demand once the receiver heals.
      const failed = ((await server.call('listDeliveries', { query: { status: 'failed' } })).body as any).data as any[];
      expect(failed.length).toBeGreaterThan(0);
      expect(new Set(failed.map((d) => d.senderId))).toEqual(new Set([failing]));
      failingHeals = true;
      for (const d of failed) expect((await server.call('redeliverDelivery', { params: { deliveryId: d.id } })).status).toBe(202);
      await waitFor(async () => (await pending('demo')) === 0, { timeoutMs: 60_000, what: 'redeliveries' });

      const demoAttempts = receiver.attempts.filter((a) => a.path === '/webhook');
      stats.faults = receiver.attempts.filter((a) => !['ok', 'slow-ok', 'huge-ok'].includes(a.fault.kind)).length;
      stats.cases = receiver.attempts.length;
      const acknowledged = new Map<string, Attempt[]>();
      for (const a of demoAttempts) if (a.acknowledged) acknowledged.set(a.webhookId, [...(acknowledged.get(a.webhookId) ?? []), a]);
      stats.duplicated = [...acknowledged.values()].filter((list) => list.length > 1).length;

      // Every bot message of every conversation was acknowledged.
      const all = await db.selectFrom('deliveries').select(['webhook_id', 'sender_id', 'message_counter', 'status']).where('bot_id', '=', 'demo').execute();
      stats.delivered = all.filter((d) => acknowledged.has(d.webhook_id)).length;
      stats.lost = all.length - stats.delivered;
      expect(all.every((d) => d.status === 'succeeded')).toBe(true);

      // Order: no attempt of message N+1 before message N of the same conversation was acknowledged.
      const acked = new Map<string, Set<number>>();
      for (const a of demoAttempts) {
        // A message given up (failed) lets its conversation go on: that conversation is checked by its redelivery above.
        if (a.senderId === failing) continue;
        const done = acked.get(a.senderId) ?? new Set<number>();
        for (let n = 1; n < a.messageCounter; n++) if (!done.has(n)) stats.outOfOrder++;
        if (a.acknowledged) done.add(a.messageCounter);
        acked.set(a.senderId, done);
      }

      // The schedule: attempt N+1 of a delivery comes no sooner than its delay (less the 20 % jitter).
      const byWebhook = new Map<string, Attempt[]>();
      for (const a of demoAttempts) byWebhook.set(a.webhookId, [...(byWebhook.get(a.webhookId) ?? []), a]);
      let early = 0;
      for (const list of byWebhook.values()) {
        for (let i = 1; i < list.length && i < SCHEDULE.length; i++) {
          if (list[i - 1]!.senderId === failing) continue; // redelivery restarts the schedule
          const wanted = list[i - 1]!.fault.kind === 'too-many' && list[i - 1]!.fault.kind === 'too-many' && (list[i - 1]!.fault as any).retryAfter === '1' ? 1000 : SCHEDULE[i]!;
          if (list[i]!.at - list[i - 1]!.at < wanted * 0.8 - 5) early++;
        }
      }
      expect({ lost: stats.lost, outOfOrder: stats.outOfOrder, early }).toEqual({ lost: 0, outOfOrder: 0, early: 0 });
    } finally {
      await server.close();
      await receiver.close();
      rmSync(bots, { recursive: true, force: true });
    }
  });
});

/** The three forms of an HTTP-date a `Retry-After` may take (RFC 9110 section 5.6.7), for a whole second `at`. */
const HTTP_DATE_FORMS: Record<string, (at: Date) => string> = {
  'IMF-fixdate': (at) => at.toUTCString(),
  'RFC 850': (at) => {
    const [weekday, month, time] = [at.toLocaleDateString('en-US', { weekday: 'long', timeZone: 'UTC' }), at.toUTCString().slice(8, 11), at.toISOString().slice(11, 19)];
    return `${weekday}, ${String(at.getUTCDate()).padStart(2, '0')}-${month}-${String(at.getUTCFullYear() % 100).padStart(2, '0')} ${time} GMT`;
  },
  asctime: (at) => {
    const [weekday, month, time] = [at.toUTCString().slice(0, 3), at.toUTCString().slice(8, 11), at.toISOString().slice(11, 19)];
    return `${weekday} ${month} ${String(at.getUTCDate()).padStart(2, ' ')} ${time} ${at.getUTCFullYear()}`;
  },
};

describe('misbehaving receivers: Retry-After dates', () => {
  it('waits until the HTTP-date a 429 names, in each of its three forms: not at once, not on the short schedule', PART_TIMEOUT, async () => {
    const stats = row('Retry-After dates');
    // The server's clock, which the test moves forward: nothing here waits for the date to come.
    let offset = 0;
    const clock = { now: () => Date.now() + offset };
    const AHEAD_MS = 10 * 60_000;
    // Per webhook: the date (ms, a whole second) its first attempt was told to come back at, and when it did.
    const askedFor = new Map<string, number>();
    const cameBack = new Map<string, number>();
    const receiver = await startFaultReceiver(VERIFY_TOKEN, (attempt, previous) => {
      if (previous.length > 0) cameBack.set(attempt.webhookId, clock.now());
      // Only the first bot message of each conversation is told to come back later (once).
      if (previous.length > 0 || attempt.messageCounter !== 1) return { kind: 'ok' };
      const form = Object.values(HTTP_DATE_FORMS)[Number(attempt.senderId.slice(-2))]!;
      const at = Math.ceil(clock.now() / 1000) * 1000 + AHEAD_MS;
      askedFor.set(attempt.webhookId, at);
      return { kind: 'too-many', retryAfter: form(new Date(at)) };
    });
    // The schedule alone would try again after 20 ms.
    const server = await startTestServer({}, { clock });
    try {
      expect((await server.call('putWebhookChannel', { body: { url: receiver.url, verifyToken: VERIFY_TOKEN } })).status).toBe(200);
      const senders = Object.keys(HTTP_DATE_FORMS).map((_, i) => `reliability-retry-after-${String(i).padStart(2, '0')}`);
      for (const id of senders) expect((await server.call('sendMessage', { body: { sender: { id }, message: { type: 'text', text: 'hi' } } })).status).toBe(202);
      stats.sent = senders.length;
      const deliveries = async () => ((await server.call('listDeliveries', { query: { limit: 100 } })).body as any).data as any[];
      const heads = async () => (await deliveries()).filter((d) => d.messageCounter === 1);

      // The worker's own record of when it tries again is the date asked for, to the millisecond.
      // (`attemptCount` counts an attempt from its claim; `lastStatusCode` is there once it was answered.)
      await waitFor(async () => (await heads()).every((d) => d.lastStatusCode !== undefined), { what: 'the answer to the first attempt of each conversation' });
      for (const d of await heads()) {
        const asked = askedFor.get(d.webhookId)!;
        expect({ status: d.status, lastStatusCode: d.lastStatusCode, nextAttemptAt: d.nextAttemptAt }, d.senderId).toEqual({ status: 'pending', lastStatusCode: 429, nextAttemptAt: new Date(asked).toISOString() });
      }
      // Then the date comes, and each is delivered: not before it.
      offset += AHEAD_MS + 1000;
      server.server.delivery.wake();
      await waitFor(async () => (await deliveries()).every((d) => d.status === 'succeeded'), { timeoutMs: 60_000, what: 'every delivery after its Retry-After' });
      for (const [webhookId, asked] of askedFor) {
        expect(receiver.attempts.filter((a) => a.webhookId === webhookId).map((a) => a.fault.kind), webhookId).toEqual(['too-many', 'ok']);
        expect(cameBack.get(webhookId)!, webhookId).toBeGreaterThanOrEqual(asked);
      }
      stats.cases = senders.length;
      stats.faults = askedFor.size;
      stats.delivered = (await deliveries()).length;
      stats.notes = `${Object.keys(HTTP_DATE_FORMS).join(', ')} ${AHEAD_MS / 60_000} min ahead: next attempt at the date, to the ms (the schedule said 20 ms)`;
    } finally {
      await server.close();
      await receiver.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Servers in processes of their own (crashes, memory, soak)
// ---------------------------------------------------------------------------------------------

const processes: ServerProcess[] = [];
afterAll(() => Promise.all(processes.map((p) => p.kill())));

/** A server process (test/support/server-process.ts), killed at the end of the file whatever happens. */
async function startProcess(databaseUrl: string, env: Record<string, string> = {}, options: ServerProcessOptions = {}): Promise<ServerProcess> {
  const started = await startServerProcess(databaseUrl, env, options);
  processes.push(started);
  return started;
}

/** A store of the run's engine for one part (a SQLite file in a scratch folder, or a PostgreSQL database), and its removal. */
async function scratchDatabase(name: string): Promise<{ url: string; remove(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), `wc-reliability-${name}-`));
  const database = await createTestDatabaseUrl(dir, name);
  return {
    url: database.url,
    async remove() {
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Crashes
// ---------------------------------------------------------------------------------------------

describe('crashes', () => {
  // A lease as short as allowed: what a killed process held moves on soon on PostgreSQL too.
  const LEASE = { WEBHOOK_LEASE: '11s' };

  it('keeps every accepted message, delivers or holds every bot message, gapless, after repeated SIGKILLs during traffic', PART_TIMEOUT, async () => {
    const stats = row('crashes (SIGKILL)');
    const database = await scratchDatabase('crash');
    const receiver = await startWebhookReceiver({ verifyToken: VERIFY_TOKEN, answer: () => ({ status: 200, delayMs: 5 }) });
    const accepted = new Map<string, string[]>(); // sender → accepted user message ids
    const senders = Array.from({ length: 6 }, (_, i) => `reliability-crash-${String(i).padStart(10, '0')}`);
    const rounds = 3 * SCALE;
    try {
      for (let round = 0; round < rounds; round++) {
        const { kill, url } = await startProcess(database.url, LEASE);
        if (round === 0) expect((await callOperation(url, 'putWebhookChannel', { body: { url: receiver.url, verifyToken: VERIFY_TOKEN } })).status).toBe(200);
        let killed = false;
        let sending = senders.length;
        const before = receiver.received.length;
        // Sustained traffic: each sender sends one message after another (at most 15 a round) until the process dies.
        const traffic = senders.map(async (id) => {
          for (let i = 0; !killed && i < 15; i++) {
            try {
              const res = await fetch(`${url}/v1/bots/demo/channels/webhook/messages`, {
                method: 'POST',
                headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
                body: JSON.stringify({ sender: { id }, message: { type: 'text', text: 'hi' } }),
              });
              const body = await res.json();
              stats.sent++;
              expect(res.status).toBe(202);
              accepted.set(id, [...(accepted.get(id) ?? []), body.messageId]);
            } catch {
              // The process died under this request: its outcome is unknown, and either is allowed.
              break;
            }
          }
          sending--;
        });
        await waitFor(() => receiver.received.length > before + 5 || sending === 0, { timeoutMs: 60_000, what: 'deliveries in flight' });
        killed = true;
        await kill();
        stats.faults++;
        await Promise.all(traffic);
      }
      const { kill, url } = await startProcess(database.url, LEASE);
      const call = (operationId: string, options: Parameters<typeof callOperation>[2]) => callOperation(url, operationId, options);
      const pending = async () => ((await call('listDeliveries', { query: { status: 'pending', limit: 1 } })).body as any).data.length;
      await waitFor(async () => (await pending()) === 0, { timeoutMs: 300_000, what: 'every delivery after the last restart' });

      const firstSeen = new Map<string, number>();
      for (const [i, w] of receiver.received.entries()) if (!firstSeen.has(w.body.messageId)) firstSeen.set(w.body.messageId, i);
      const seenCount = new Map<string, number>();
      for (const w of receiver.received) seenCount.set(w.body.messageId, (seenCount.get(w.body.messageId) ?? 0) + 1);
      stats.duplicated = [...seenCount.values()].filter((n) => n > 1).length;
      for (const id of senders) {
        const history: any[] = [];
        for (let offset = 0; ; offset += 100) {
          const res = await call('listConversationMessages', { params: { senderId: id }, query: { offset, limit: 100 } });
          if (res.status === 404) break; // no message of this sender was ever stored
          const page = res.body as any;
          history.push(...page.rows);
          if (history.length >= page.count) break;
        }
        const userIds = new Set(history.filter((m) => m.actor === 'user').map((m) => m.id));
        const missing = (accepted.get(id) ?? []).filter((m) => !userIds.has(m));
        expect(missing, `accepted messages of ${id} missing from its history`).toEqual([]);
        const bot = history.filter((m) => m.actor === 'bot');
        expect(bot.map((m) => m.messageCounter), `messageCounter of ${id}`).toEqual(bot.map((_, i) => i + 1));
        for (const m of bot) {
          if (firstSeen.has(m.id)) stats.delivered++;
          else stats.lost++;
        }
        const order = bot.map((m) => firstSeen.get(m.id) ?? Infinity);
        for (let i = 1; i < order.length; i++) if (order[i]! < order[i - 1]!) stats.outOfOrder++;
      }
      // At least once: a repeat only of what was in flight when a process died.
      expect(stats.duplicated).toBeLessThanOrEqual(rounds * 16);
      expect({ lost: stats.lost, outOfOrder: stats.outOfOrder }).toEqual({ lost: 0, outOfOrder: 0 });
      stats.cases = rounds;
      await kill();
    } finally {
      await receiver.close();
      await database.remove();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Abuse and soak
// ---------------------------------------------------------------------------------------------

/** A sample of a server's /metrics, by name and labels (`limit="bot"`; none for a metric without labels). */
async function metric(url: string, name: string, labels = ''): Promise<number> {
  const text = (await callOperation(url, 'getMetrics')).body as string;
  const prefix = labels ? `${name}{${labels}} ` : `${name} `;
  return Number(text.split('\n').find((l) => l.startsWith(prefix))?.slice(prefix.length));
}

describe('abuse', () => {
  it('lets authenticated traffic through a flood of failed authentications, and keeps no memory per made-up bot id', PART_TIMEOUT, async () => {
    const stats = row('abuse');
    const server = await startTestServer({ AUTH_FAILURES_BURST: '100', AUTH_FAILURES_PER_SECOND: '10' }, { startDelivery: false });
    try {
      await server.call('putWebhookChannel', { body: VALID_BODIES.putWebhookChannel });
      let flooding = true;
      const flood = Array.from({ length: 20 }, async (_, c) => {
        for (let i = 0; flooding && i < 200 * SCALE; i++) {
          const res = await server.call('legacySendMessage', { params: { botId: i % 2 ? 'demo' : `made-up-${c}-${i}` }, body: { ...VALID_BODIES.legacySendMessage, verifyToken: 'wrong' }, token: false });
          expect([401, 429]).toContain(res.status);
          stats.faults++;
        }
      });
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) {
        const res = await server.call('sendMessage', { body: { sender: { id: `reliability-abuse-${String(i).padStart(8, '0')}` }, message: { type: 'text', text: 'hi' } } });
        statuses.push(res.status);
        stats.sent++;
      }
      flooding = false;
      await Promise.all(flood);
      expect(statuses.filter((s) => s !== 202)).toEqual([]);
      stats.cases = stats.faults + stats.sent;
      const buckets = { bot: await metric(server.url, 'webhook_channel_rate_limit_buckets', 'limit="bot"'), authFailures: await metric(server.url, 'webhook_channel_rate_limit_buckets', 'limit="auth-failures"') };
      stats.notes = `${statuses.filter((s) => s === 202).length} of ${statuses.length} authenticated sends answered 202 during the flood; limiter buckets: ${buckets.bot} bot, ${buckets.authFailures} address`;
      expect(buckets).toEqual({ bot: 1, authFailures: 1 });
      expect((await server.call('getHealth')).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

/**
 * Requests whose ids the caller makes up, each id new: unknown bots with made-up tokens on every
 * way in, made-up channel ids, made-up idempotency keys, and (authenticated) made-up delivery ids.
 * `want` lists the answers allowed: none stores anything.
 */
const MADE_UP_ID_REQUESTS: Array<(id: string) => { path: string; init: RequestInit; want: number[] }> = [
  (id) => ({ path: `/api/webhookMessage/made-up-${id}`, init: { method: 'POST', body: JSON.stringify({ sender: { id }, text: 'hi', verifyToken: `made-up-${id}` }) }, want: [401] }),
  (id) => ({
    path: `/v1/bots/made-up-${id}/channels/webhook/messages`,
    init: { method: 'POST', headers: { authorization: `Bearer made-up-token-${id}`, 'idempotency-key': `made-up-${id}` }, body: JSON.stringify({ sender: { id }, message: { type: 'text', text: 'hi' } }) },
    want: [401],
  }),
  (id) => ({ path: `/v1/channels/webhook/made-up-${id}/messages`, init: { method: 'POST', headers: { authorization: `Bearer made-up-token-${id}` }, body: JSON.stringify({ user: { id }, message: { textMessage: { text: 'hi' } } }) }, want: [400, 401] }),
  (id) => ({ path: `/api/bots/made-up-${id}/history/${id}?access_token=made-up-${id}`, init: { method: 'GET' }, want: [401] }),
  (id) => ({ path: `/v1/bots/demo/channels/webhook/deliveries/dlv_${id.replace(/[^A-Za-z0-9]/g, '').padEnd(16, '0')}`, init: { method: 'GET', headers: { authorization: `Bearer ${TEST_TOKEN}` } }, want: [404] }),
];

/**
 * Heap growth per request that fails the memory check: a third of fault 2 of issue 12, which grew
 * ~9 MB per 30,000 requests (~300 B each). A healthy server measured 7 to 18.
 */
const LEAK_BYTES_PER_REQUEST = 100;

describe('abuse: memory', () => {
  it('keeps its heap flat under floods of made-up ids (sampled after a full garbage collection, round after round)', PART_TIMEOUT, async () => {
    const stats = row('made-up ids (memory)');
    const database = await scratchDatabase('memory');
    // Failed authentications are not limited here, so that each request goes the whole way to its 401.
    const server = await startProcess(database.url, { AUTH_FAILURES_PER_SECOND: '1000000', AUTH_FAILURES_BURST: '1000000' }, { heapProbe: true });
    try {
      const perRound = 1_000 * SCALE;
      const rounds = 5;
      let sent = 0;
      const flood = async (round: number) => {
        let next = 0;
        await Promise.all(
          Array.from({ length: 16 }, async () => {
            for (let i = next++; i < perRound; i = next++) {
              const id = `${round}-${i}-${SEED}`;
              const { path, init, want } = MADE_UP_ID_REQUESTS[i % MADE_UP_ID_REQUESTS.length]!(id);
              const res = await fetch(server.url + path, { ...init, headers: { 'content-type': 'application/json', ...init.headers } });
              await res.arrayBuffer();
              expect(want, `${init.method} ${path}`).toContain(res.status);
              sent++;
            }
          }),
        );
      };
      // The first round builds what is built once (validators, optimized code, pools): not counted.
      await flood(0);
      const heaps = [(await server.heapAfterGc()).heapUsedBytes];
      for (let round = 1; round <= rounds; round++) {
        await flood(round);
        heaps.push((await server.heapAfterGc()).heapUsedBytes);
      }
      // A leak grows the heap by the same amount every round; what settles in after the first
      // round shrinks from round to round, and one noisy sample moves one step only: the median step.
      const perRequest = median(heaps.slice(1).map((heap, i) => heap - heaps[i]!)) / perRound;
      stats.cases = sent;
      stats.faults = sent;
      stats.notes = `heap after gc ${heaps.map(megabytes).join(' → ')}, ${perRound} requests a round: ${perRequest.toFixed(0)} B/request (fails at ${LEAK_BYTES_PER_REQUEST})`;
      console.log(`made-up ids: ${stats.notes}`);
      expect(perRequest).toBeLessThan(LEAK_BYTES_PER_REQUEST);
    } finally {
      await server.kill();
      await database.remove();
    }
  });
});

describe('slow-loris', () => {
  it('cuts off connections that trickle their headers or body, say nothing, or idle, while authenticated sends are answered', PART_TIMEOUT, async () => {
    const stats = row('slow-loris');
    // Short bounds, so that the part takes seconds (their defaults are 15 s, 30 s and 5 s), but
    // not so short that a busy machine's pause before a whole request is read times it out.
    const server = await startTestServer({ HTTP_HEADERS_TIMEOUT: '2s', HTTP_REQUEST_TIMEOUT: '3s', HTTP_KEEP_ALIVE_TIMEOUT: '1s' }, { startDelivery: false });
    const clients: SlowClient[] = [];
    try {
      const path = '/v1/bots/demo/channels/webhook/messages';
      const body = JSON.stringify(VALID_BODIES.sendMessage);
      const authenticated: SlowRequest = { method: 'POST', path, headers: { authorization: `Bearer ${TEST_TOKEN}` }, body };
      const anonymous: SlowRequest = { ...authenticated, headers: {} };
      const kinds: Array<[SlowKind, SlowRequest]> = [
        ['silent', authenticated],
        ['trickling headers', authenticated],
        ['trickling body', authenticated],
        ['trickling body', anonymous],
        ['idle keep-alive', authenticated],
      ];
      const opening = Array.from({ length: 10 * SCALE }, () => kinds.map(([kind, request]) => openSlowClient(server.server.port, kind, request))).flat();
      clients.push(...(await Promise.all(opening)));
      stats.cases = clients.length;
      const open = () => clients.filter((c) => c.closedAt === undefined).length;

      // Authenticated traffic while they hang on, paced, until the last one is cut off.
      const statuses: number[] = [];
      let openAtFirstSend = 0;
      const sends = (async () => {
        for (let i = 0; open() > 0 && i < 10_000; i++) {
          if (i === 0) openAtFirstSend = open();
          const res = await server.call('sendMessage', { body: { sender: { id: `reliability-loris-${String(i % 20).padStart(8, '0')}` }, message: { type: 'text', text: 'hi' } } });
          statuses.push(res.status);
          stats.sent++;
          await new Promise((done) => setTimeout(done, 25)); // the traffic's pace, not a wait for a condition
        }
      })();
      await waitFor(() => open() === 0, { timeoutMs: 60_000, intervalMs: 50, what: 'every slow connection to be cut off' });
      await sends;

      // Sent while they were held (how many were still open depends on the machine's pace, not on the server).
      expect(openAtFirstSend).toBeGreaterThan(0);
      expect(statuses.length).toBeGreaterThan(0);
      expect(statuses.filter((s) => s !== 202)).toEqual([]);
      // Each was answered as its kind must be, then closed by the server (the clients never close).
      const firstStatus = (c: SlowClient) => Number(/^HTTP\/1\.1 (\d{3})/.exec(c.received())?.[1]);
      for (const c of clients) {
        const what = `${c.kind}: ${c.received().slice(0, 300)}`;
        if (c.kind === 'idle keep-alive') {
          expect(firstStatus(c), what).toBe(200);
        } else if (c.kind === 'trickling body' && firstStatus(c) === 401) {
          // Refused before its body was read: the 401 is the answer, and the trickle is cut all the same.
          expect(c.received(), what).toMatch(/application\/problem\+json/);
        } else {
          expect(firstStatus(c), what).toBe(408);
          expect(c.received(), what).toMatch(/content-type: application\/problem\+json/i);
          expect(JSON.parse(c.received().slice(c.received().indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 408, title: 'Request Timeout' });
        }
      }
      stats.faults = clients.length;
      const longest = (kind: SlowKind) => (Math.max(...clients.filter((c) => c.kind === kind).map((c) => c.closedAt! - c.openedAt)) / 1000).toFixed(1);
      stats.notes = `cut off within ${longest('silent')} s silent, ${longest('trickling headers')} s headers, ${longest('trickling body')} s body, ${longest('idle keep-alive')} s idle (bounds 2, 3, 1 s)`;
      expect((await server.call('getHealth')).status).toBe(200);
    } finally {
      for (const c of clients) c.destroy();
      await server.close();
    }
  });
});

/**
 * Growth of the heap per send, after gc and idle to idle, that fails the soak. Each send stores a
 * message, runs the bot and queues its answers (three deliveries for the demo bot's 'hi'). A
 * healthy server measured 15 to 135 here (on either store, on a busy machine); with the delivery
 * worker's AbortSignal.any leak (about 60 B per attempt on Node 20, fixed in
 * server/delivery/send-attempt.ts), 310 to 440.
 */
const SOAK_LEAK_BYTES_PER_SEND = 250;
/**
 * How much slower (median send) or deeper (most deliveries pending) the last half of the soak may
 * be than the first: wide, and each half pools several windows, so that another process's burst
 * on a busy machine does not fail it; a trend moves every later window.
 */
const SOAK_FACTOR = 4;
/**
 * The fewest ticks (one send per conversation each) in a soak window, however long they take: the
 * heap check divides the idle heaps' difference by the sends between them, and a few tens of KB of
 * noise (a pooled connection's buffers) over the ~60 sends a loaded PostgreSQL made in a 1 s
 * window read as 649 B a send. 20 ticks are 200 sends a window, 600 between the halves' middles.
 */
const SOAK_MIN_TICKS = 20;

describe('soak', () => {
  it('keeps latency, memory and queue depth flat under steady traffic with a healthy receiver, and the queue goes back to zero', PART_TIMEOUT, async () => {
    const stats = row('soak');
    const database = await scratchDatabase('soak');
    const receiver = await startWebhookReceiver({ verifyToken: VERIFY_TOKEN });
    const server = await startProcess(database.url, {}, { heapProbe: true });
    try {
      expect((await callOperation(server.url, 'putWebhookChannel', { body: { url: receiver.url, verifyToken: VERIFY_TOKEN } })).status).toBe(200);
      const depth = () => metric(server.url, 'webhook_channel_delivery_queue_depth');
      const CONVERSATIONS = 10;
      const send = async (i: number) => {
        const started = performance.now();
        const res = await fetch(`${server.url}/v1/bots/demo/channels/webhook/messages`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ sender: { id: `reliability-soak-${String(i).padStart(10, '0')}` }, message: { type: 'text', text: 'hi' } }),
        });
        await res.arrayBuffer();
        expect(res.status).toBe(202);
        stats.sent++;
        return performance.now() - started;
      };
      const drained = async () => {
        await waitFor(async () => (await depth()) === 0, { timeoutMs: 120_000, intervalMs: 100, what: 'the queue to drain' });
        return (await server.heapAfterGc()).heapUsedBytes;
      };
      // Steady traffic: every conversation sends one message a tick, then a pause. After each window
      // the queue drains and the heap is sampled: idle moments, where no work in flight holds memory.
      const window = async () => {
        const latencies: number[] = [];
        const depths: number[] = [];
        const sentBefore = stats.sent;
        const until = Date.now() + 1000 * SCALE;
        for (let ticks = 0; Date.now() < until || ticks < SOAK_MIN_TICKS; ticks++) {
          latencies.push(...(await Promise.all(Array.from({ length: CONVERSATIONS }, (_, i) => send(i)))));
          depths.push(await depth());
          await new Promise((done) => setTimeout(done, 100)); // the traffic's pace, not a wait for a condition
        }
        return { latencies, latencyMs: median(latencies), maxDepth: Math.max(...depths), sends: stats.sent - sentBefore, idleHeap: await drained() };
      };
      // Warm-up, at least 4 s whatever the scale: what is built once (code, caches, a PostgreSQL
      // pool's connections, opened as the load asks for them) is not counted.
      for (const started = Date.now(); Date.now() - started < 4000; ) await window();
      const windows = [];
      for (let w = 0; w < 6; w++) windows.push(await window());

      // Nothing lost: every delivery's webhook arrived.
      const deliveries: any[] = [];
      for (let cursor: string | undefined; ; ) {
        const page = (await callOperation(server.url, 'listDeliveries', { query: { limit: 100, ...(cursor && { cursor }) } })).body as any;
        deliveries.push(...page.data);
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
      const received = new Set(receiver.received.map((w) => String(w.headers['webhook-id'])));
      stats.delivered = deliveries.filter((d) => received.has(d.webhookId)).length;
      stats.lost = deliveries.length - stats.delivered;
      stats.duplicated = receiver.received.length - received.size;
      stats.cases = windows.length;

      const halves = [windows.slice(0, windows.length / 2), windows.slice(windows.length / 2)].map((half) => ({
        latencyMs: median(half.flatMap((w) => w.latencies)),
        maxDepth: Math.max(...half.map((w) => w.maxDepth)),
        // The least of each half: a pooled connection opened for a moment lifts one sample (by tens
        // of KB to 300 KB on PostgreSQL, whose pool closes connections idle for 10 s); a leak lifts them all.
        idleHeap: Math.min(...half.map((w) => w.idleHeap)),
        sends: half.reduce((sum, w) => sum + w.sends, 0),
      }));
      // The halves' middles are a half's sends apart; a leak grows the heap by the same amount per send all along.
      const perSend = (halves[1]!.idleHeap - halves[0]!.idleHeap) / ((halves[0]!.sends + halves[1]!.sends) / 2);
      const ms = (n: number) => `${n.toFixed(0)} ms`;
      stats.notes = `${windows.length} windows of ${SCALE} s and ${SOAK_MIN_TICKS * CONVERSATIONS} sends at least: median send ${windows.map((w) => ms(w.latencyMs)).join(', ')} (halves ${halves.map((h) => ms(h.latencyMs)).join(', ')}); most pending ${windows.map((w) => w.maxDepth).join(', ')}, then 0; heap after gc, idle ${windows.map((w) => megabytes(w.idleHeap)).join(' → ')}: ${perSend.toFixed(0)} B/send (fails at ${SOAK_LEAK_BYTES_PER_SEND})`;
      console.log(`soak: ${stats.notes}`);
      expect(stats.lost).toBe(0);
      expect(halves[1]!.latencyMs, 'median send latency, last half against the first').toBeLessThanOrEqual(SOAK_FACTOR * halves[0]!.latencyMs);
      // All the deliveries of a tick's sends may be pending when the depth is read: the floor of "flat".
      const perTick = CONVERSATIONS * (deliveries.length / stats.sent);
      expect(halves[1]!.maxDepth, 'most deliveries pending, last half against the first').toBeLessThanOrEqual(SOAK_FACTOR * Math.max(halves[0]!.maxDepth, perTick));
      expect(perSend, 'heap growth per send, idle to idle, last half against the first').toBeLessThan(SOAK_LEAK_BYTES_PER_SEND);
    } finally {
      await server.kill();
      await receiver.close();
      await database.remove();
    }
  });
});
