/**
 * What an unauthenticated caller can and cannot do (issue 12, faults 1, 2 and 7): spend nothing
 * of a bot's rate limit, grow no memory with the ids it makes up, learn nothing about which bots
 * exist, and store no credentials in a webhook URL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientKey, createRateLimiter } from '../../server/http/rate-limit.js';
import { SENDER, startTestServer, type TestServer } from '../support/server.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const VERIFY_TOKEN = 'unauthenticated-callers-token';
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await startWebhookReceiver({ verifyToken: VERIFY_TOKEN });
});
afterAll(async () => {
  await receiver?.close();
});

async function metric(server: TestServer, name: string, labels: string): Promise<number> {
  const text = (await server.call('getMetrics')).body as string;
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return Number(line?.split(' ').pop());
}

describe('a flood of failed authentications (fault 1)', () => {
  let server: TestServer;
  beforeAll(async () => {
    // The bot may send 10 at once; the failures get their own, smaller budget.
    server = await startTestServer({ RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '10', AUTH_FAILURES_BURST: '20', AUTH_FAILURES_PER_SECOND: '1' }, { startDelivery: false });
    await server.call('putWebhookChannel', { body: { url: receiver.url, verifyToken: VERIFY_TOKEN } });
  });
  afterAll(() => server?.close());

  // The reported input: 20 clients flooding the legacy endpoint with a wrong verifyToken made 7 of 10 authenticated sends 429.
  it('costs the authenticated sends of the bot nothing', async () => {
    const legacyBody = (verifyToken: string) => ({ sender: { id: SENDER }, text: 'hi', verifyToken });
    const flood = Array.from({ length: 20 }, async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++) statuses.push((await server.call('legacySendMessage', { body: legacyBody('wrong-token'), token: false })).status);
      return statuses;
    });
    const authenticated = Array.from({ length: 5 }, async (_, i) => [
      (await server.call('sendMessage', { body: { sender: { id: `${SENDER}-${i}` }, message: { type: 'text', text: 'hi' } } })).status,
      (await server.call('legacySendMessage', { body: legacyBody(VERIFY_TOKEN), token: false })).status,
    ]);
    const [floodStatuses, sendStatuses] = await Promise.all([Promise.all(flood), Promise.all(authenticated)]);
    expect(sendStatuses.flat().sort()).toEqual([...Array(5).fill(200), ...Array(5).fill(202)]);
    // The failures are limited on their own, per client address: 401 until its budget is spent, then 429.
    const failures = floodStatuses.flat();
    expect(new Set(failures)).toEqual(new Set([401, 429]));
    expect(failures.filter((s) => s === 401).length).toBeLessThanOrEqual(20 + 10);
  });

  it('still lets the bot spend its own budget, then answers it 429', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      statuses.push((await server.call('sendMessage', { body: { sender: { id: SENDER }, message: { type: 'text', text: 'hi' } } })).status);
    }
    expect(statuses).toContain(429);
  });
});

/** Behind reverse proxies (TRUST_PROXY_HOPS): failures are counted per client, not per proxy. */
describe('failed authentications behind a proxy', () => {
  const failWith = (server: TestServer, forwardedFor: string) =>
    server.call('getWebhookChannel', { token: 'wrong-token-000000', headers: { 'x-forwarded-for': forwardedFor } }).then((res) => res.status);
  const floodFrom = async (server: TestServer, forwardedFor: string, count: number) => {
    const statuses: number[] = [];
    for (let i = 0; i < count; i++) statuses.push(await failWith(server, forwardedFor));
    return statuses;
  };

  it('with one proxy trusted, limits each client the proxy names on its own', async () => {
    const server = await startTestServer({ TRUST_PROXY_HOPS: '1', AUTH_FAILURES_BURST: '3', AUTH_FAILURES_PER_SECOND: '1' }, { startDelivery: false });
    try {
      // The leftmost entry is the client's own claim; the proxy appended the address it saw.
      expect(await floodFrom(server, '198.51.100.1, 203.0.113.10', 5)).toContain(429);
      expect(await failWith(server, '198.51.100.1, 203.0.113.11')).toBe(401); // another client behind the same proxy
      expect(await failWith(server, '203.0.113.11')).toBe(401);
      expect(await failWith(server, '198.51.100.99, 203.0.113.10')).toBe(429); // the first client, whatever it claims
    } finally {
      await server.close();
    }
  });

  it('without it, ignores the header: every claim comes from the one connection address', async () => {
    const server = await startTestServer({ AUTH_FAILURES_BURST: '3', AUTH_FAILURES_PER_SECOND: '1' }, { startDelivery: false });
    try {
      expect(await floodFrom(server, '203.0.113.10', 5)).toContain(429);
      expect(await failWith(server, '203.0.113.11')).toBe(429);
    } finally {
      await server.close();
    }
  });
});

describe('made-up bot ids (fault 2)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ AUTH_FAILURES_BURST: '1000000' }, { startDelivery: false });
  });
  afterAll(() => server?.close());

  // The reported input, scaled down (the reliability suite sends more): 30,000 legacy posts to distinct bot ids grew the heap ~9 MB each round.
  it('keeps no bucket, cache or row per unknown bot id', async () => {
    const body = { sender: { id: SENDER }, text: 'hi', verifyToken: 'whatever-token' };
    for (let batch = 0; batch < 5; batch++) {
      await Promise.all(
        Array.from({ length: 100 }, async (_, i) => {
          const res = await server.call('legacySendMessage', { params: { botId: `made-up-${batch}-${i}` }, body, token: false });
          expect(res.status).toBe(401);
        }),
      );
    }
    expect(await metric(server, 'webhook_channel_rate_limit_buckets', 'limit="bot"')).toBe(0);
    // One client address, one bucket of failures.
    expect(await metric(server, 'webhook_channel_rate_limit_buckets', 'limit="auth-failures"')).toBe(1);
    const bots = await server.server.database.db.selectFrom('bots').select('id').execute();
    expect(bots.map((b) => b.id)).toEqual(['demo']);
  });

  it('bounds the buckets of any limiter, dropping the least recently used', () => {
    let now = 0;
    const limiter = createRateLimiter({ now: () => now }, { perSecond: 1, burst: 1, maxKeys: 3, describe: (k) => k });
    for (const key of ['a', 'b', 'c', 'd', 'e']) limiter.take(key);
    expect(limiter.size).toBe(3);
    now += 1000;
    limiter.take('e'); // refilled after a second, and kept
    expect(limiter.size).toBe(3);
  });

  it.each([
    ['an IPv4 address', '203.0.113.7', '203.0.113.7'],
    ['an IPv4-mapped IPv6 address', '::ffff:203.0.113.7', '203.0.113.7'],
    ['an IPv6 address, by its /64', '2001:db8:1:2:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::/64'],
    ['a shortened IPv6 address', '2001:db8::1', '2001:db8:0:0::/64'],
    ['no address', undefined, 'unknown'],
    // What a client may write into X-Forwarded-For when more proxies are trusted than there are:
    // one shared key, and no RangeError from a "::" with more than eight groups around it.
    ['not an address', 'a:b:c:d:e:f:g:h::i', 'unknown'],
    ['a name', 'attacker.example', 'unknown'],
  ])('keys failures by client address: %s', (_name, address, want) => {
    expect(clientKey(address)).toBe(want);
  });
});

describe('bot enumeration and credentials in URLs (fault 7)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({}, { startDelivery: false });
  });
  afterAll(() => server?.close());

  it('answers the same 401 for an unknown bot as for a known bot without a token', async () => {
    const known = await server.call('getWebhookChannel', { token: false });
    const unknown = await server.call('getWebhookChannel', { token: false, params: { botId: 'nobody' } });
    expect(known.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(known.body);
    const challenge = (res: typeof known) => (res.headers instanceof Headers ? res.headers.get('www-authenticate') : res.headers['www-authenticate']);
    expect(challenge(unknown)).toBe(challenge(known));
  });

  it('answers the legacy send the same 401 for an unknown bot, a bot without a channel, and a wrong token', async () => {
    const body = { sender: { id: SENDER }, text: 'hi', verifyToken: 'not-it-at-all' };
    const noChannel = await server.call('legacySendMessage', { body, token: false });
    const unknown = await server.call('legacySendMessage', { body, token: false, params: { botId: 'nobody' } });
    expect([noChannel.status, unknown.status]).toEqual([401, 401]);
    expect(unknown.body).toEqual(noChannel.body);
  });

  it.each([
    ['a user and a password', `http://user:secret@127.0.0.1:9/webhook`],
    ['a user', `http://user@127.0.0.1:9/webhook`],
  ])('refuses a webhook URL with %s (422), and stores nothing', async (_name, url) => {
    const res = await server.call('putWebhookChannel', { body: { url, verifyToken: VERIFY_TOKEN } });
    expect(res.status).toBe(422);
    expect((res.body as any).errors).toEqual([{ location: 'body.url', message: 'must not hold a user name or password (verify the webhook signature instead)' }]);
    expect(JSON.stringify(res.body)).not.toContain('secret@');
    expect((await server.call('getWebhookChannel')).status).toBe(404);
  });
});
