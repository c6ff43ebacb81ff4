/**
 * The bounds the OWASP ruleset made the spec declare (`npm run lint`) hold on the wire: the
 * rate-limit headers, no CORS permission, the problem's length limits, the query bounds, and the
 * bare 500. Every response of `call` is checked against the spec by the shared helper, headers included.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertSchema, readWireResponse } from '../support/contract.js';
import { SENDER, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let limited: TestServer;
beforeAll(async () => {
  [server, limited] = await Promise.all([startTestServer(), startTestServer(
    { RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '3' },
    // The clock stands still, so the bucket never refills however slow the machine is.
    { clock: { now: () => Date.parse('2026-11-29T12:00:00Z') } },
  )]);
});
afterAll(async () => {
  await server?.close();
  await limited?.close();
});

const hello = { sender: { id: SENDER }, message: { type: 'text', text: 'hi' } };
const header = (res: { headers: unknown }, name: string) => (res.headers as Headers).get(name);

describe('rate-limited operations', () => {
  it('send RateLimit-Limit, -Remaining and -Reset on each answer, and with the 429 and its Retry-After', async () => {
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await limited.call('sendMessage', { body: hello }));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 429]);
    expect(answers.map((a) => header(a, 'ratelimit-limit'))).toEqual(['3', '3', '3', '3']);
    expect(answers.map((a) => header(a, 'ratelimit-remaining'))).toEqual(['2', '1', '0', '0']);
    for (const answer of answers) expect(Number(header(answer, 'ratelimit-reset'))).toBeGreaterThanOrEqual(1);
    expect(Number(header(answers[3]!, 'retry-after'))).toBeGreaterThanOrEqual(1);
  });
});

describe('CORS', () => {
  it.each(['getHealth', 'getWebhookChannel', 'listDeliveries', 'getOpenApiDocument', 'sendMessage'])(
    '%s gives no other origin leave to read its answer',
    async (operationId) => {
      const res = await server.call(operationId, { ...(operationId === 'sendMessage' && { body: hello }), headers: { origin: 'https://elsewhere.example' } });
      expect(res.status).toBeLessThan(500);
      expect(header(res, 'access-control-allow-origin')).toBeNull();
    },
  );
});

describe('problem bounds', () => {
  it('cuts a detail that quotes a long path to the declared maxLength', async () => {
    const res = await readWireResponse(await fetch(`${server.url}/v1/${'x'.repeat(3000)}`));
    expect(res.status).toBe(404);
    assertSchema('Problem', res.body);
    const detail = (res.body as { detail: string }).detail;
    expect([...detail].length).toBeLessThanOrEqual(1000);
    expect(detail).toMatch(/x…$/);
  });

  it('lists at most 100 errors for a body with 150 unknown fields', async () => {
    const body = { ...hello, ...Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`unknown${i}`, i])) };
    const res = await server.call('sendMessage', { body });
    expect(res.status).toBe(400);
    expect((res.body as { errors: unknown[] }).errors.length).toBeGreaterThan(0);
    expect((res.body as { errors: unknown[] }).errors.length).toBeLessThanOrEqual(100);
  });
});

describe('query bounds', () => {
  it('refuses an offset past its maximum with 400 naming query.offset', async () => {
    await server.call('sendMessage', { body: hello });
    expect((await server.call('listConversationMessages', { params: { senderId: SENDER }, query: { offset: 1_000_000 } })).status).toBe(200);
    const res = await server.call('listConversationMessages', { params: { senderId: SENDER }, query: { offset: 1_000_001 } });
    expect(res.status).toBe(400);
    expect((res.body as { errors: Array<{ location: string }> }).errors[0]!.location).toBe('query.offset');
  });
});

describe('500', () => {
  it('answers a fault as the declared bare problem that reveals nothing', async () => {
    const broken = await startTestServer({}, { startDelivery: false });
    try {
      await broken.server.database.close();
      const res = await broken.call('getWebhookChannel');
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ type: 'about:blank', title: 'Internal Server Error', status: 500 });
    } finally {
      await broken.close().catch(() => undefined);
    }
  });
});
