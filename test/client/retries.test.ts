/**
 * The client's safe defaults, with a scripted fetch and a fake sleep: what is retried, how long
 * it waits, and what it answers or throws in the end.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhookChannelClient, WebhookChannelNetworkError } from '../../client/index.js';
import { backoffDelay } from '../../client/retrying-fetch.js';
import { waitFor } from '../support/wait-for.js';

const BASE_URL = 'http://127.0.0.1:9';
const SENDER = 'a7355930-fa92-11e7-8308-2f056e75d1ee';
const NOW = Date.parse('2026-11-27T10:00:00Z');
const problem = (status: number) => ({ type: 'https://webhook-channel.dev/problems/x', title: 'X', status });
const channel = {
  botId: 'demo',
  url: 'https://bots.example.com/webhook',
  verifyToken: '8wMsLZkdDPT64nqh',
  status: 'active',
  createdAt: '2026-11-20T08:00:00.000Z',
  updatedAt: '2026-11-27T09:58:00.000Z',
};
const accepted = { messageId: 'msg_1', conversationId: 'cnv_1', senderId: SENDER, sequence: 1, createdAt: '2026-11-27T10:00:00.000Z' };

type Step = Response | Error;
function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  const type = status >= 400 ? 'application/problem+json' : 'application/json';
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': type, ...headers } });
}

/** A client whose fetch answers the scripted steps in order and records each request. */
function scripted(steps: Step[], options: { retries?: number } = {}) {
  const requests: { method: string; url: string; headers: Headers; body: string }[] = [];
  const sleeps: number[] = [];
  const client = createWebhookChannelClient({
    baseUrl: BASE_URL,
    token: 'secret-token',
    retries: options.retries,
    random: () => 0.5,
    now: () => NOW,
    sleep: async (ms) => void sleeps.push(ms),
    idempotencyKey: () => `key-${requests.length + 1}`,
    async fetch(request) {
      requests.push({ method: request.method, url: request.url, headers: request.headers, body: await request.text() });
      const step = steps.shift();
      if (!step) throw new Error('the script ran out of answers');
      if (step instanceof Error) throw step;
      return step;
    },
  });
  return { client, requests, sleeps };
}

describe('retries', () => {
  it('retries a GET answered 503, backing off, and answers the success', async () => {
    const { client, requests, sleeps } = scripted([json(503, problem(503)), json(502, problem(502)), json(200, channel)]);
    const result = await client.getWebhook('demo');
    expect(result.data).toEqual(channel);
    expect(requests).toHaveLength(3);
    expect(sleeps).toEqual([500, 1000]);
  });

  it('stops after `retries` and answers the last problem as error', async () => {
    const { client, requests } = scripted([json(503, problem(503)), json(503, problem(503)), json(500, problem(500))]);
    const result = await client.getWebhook('demo');
    expect(result.error).toEqual(problem(500));
    expect(result.response.status).toBe(500);
    expect(requests).toHaveLength(3);
  });

  it('waits the seconds a 429 asks for in Retry-After', async () => {
    const { client, sleeps } = scripted([json(429, problem(429), { 'retry-after': '7' }), json(200, channel)]);
    await client.getWebhook('demo');
    expect(sleeps).toEqual([7000]);
  });

  // Issue 10, item 5: `Date.parse` read these as dates in the past, and the client retried at once.
  it.each([
    ['a fraction', '1.5'],
    ['a negative number', '-1'],
    ['junk', 'soon'],
    ['a date that does not exist', 'Sat, 31 Feb 2026 10:00:00 GMT'],
  ])('falls back to its backoff, never 0, on a Retry-After that is %s', async (_name, header) => {
    const { client, sleeps } = scripted([json(503, problem(503), { 'retry-after': header }), json(200, channel)]);
    await client.getWebhook('demo');
    expect(sleeps).toEqual([500]);
  });

  it('reads a Retry-After given as an HTTP date against the injected clock', async () => {
    const at = new Date(NOW + 3000).toUTCString();
    const { client, sleeps } = scripted([json(503, problem(503), { 'retry-after': at }), json(200, channel)]);
    await client.getWebhook('demo');
    expect(sleeps).toEqual([3000]);
  });

  it('answers a 429 at once when Retry-After is longer than it will wait', async () => {
    const { client, requests } = scripted([json(429, problem(429), { 'retry-after': '3600' })]);
    const result = await client.getWebhook('demo');
    expect(result.error).toEqual(problem(429));
    expect(requests).toHaveLength(1);
  });

  it('does not retry a 4xx other than 429', async () => {
    const { client, requests } = scripted([json(404, problem(404))]);
    expect((await client.getWebhook('demo')).error).toEqual(problem(404));
    expect(requests).toHaveLength(1);
  });

  it('retries a send with the same Idempotency-Key and the same body on every attempt', async () => {
    const { client, requests } = scripted([new TypeError('fetch failed'), json(503, problem(503)), json(202, accepted)]);
    const result = await client.sendText('demo', SENDER, 'hi');
    expect(result.data).toEqual(accepted);
    expect(requests.map((r) => r.headers.get('idempotency-key'))).toEqual(['key-1', 'key-1', 'key-1']);
    expect(new Set(requests.map((r) => r.body)).size).toBe(1);
    expect(JSON.parse(requests[0]!.body)).toEqual({ sender: { id: SENDER }, message: { type: 'text', text: 'hi' } });
  });

  it('uses the Idempotency-Key it is given', async () => {
    const { client, requests } = scripted([json(202, accepted)]);
    await client.sendPostback('demo', SENDER, 'show-carousel', 'Carousel', { idempotencyKey: 'mine' });
    expect(requests[0]!.headers.get('idempotency-key')).toBe('mine');
  });

  it('adds an Idempotency-Key to sends made through the typed core', async () => {
    const { client, requests } = scripted([json(202, accepted)]);
    await client.api.POST('/v1/bots/{botId}/channels/webhook/messages', {
      params: { path: { botId: 'demo' } },
      body: { sender: { id: SENDER }, message: { type: 'intro' } },
    });
    expect(requests[0]!.headers.get('idempotency-key')).toBe('key-1');
  });

  it('never retries a POST without an Idempotency-Key (rotating the secret twice would lose one)', async () => {
    const { client, requests } = scripted([json(503, problem(503))]);
    expect((await client.rotateSecret('demo')).error).toEqual(problem(503));
    expect(requests).toHaveLength(1);
  });

  it('throws WebhookChannelNetworkError when no attempt got an answer', async () => {
    const { client, requests } = scripted([new TypeError('fetch failed'), new TypeError('fetch failed'), new TypeError('fetch failed')]);
    const error = await client.getWebhook('demo').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebhookChannelNetworkError);
    expect(error).toMatchObject({ attempts: 3, message: expect.stringContaining('GET /v1/bots/demo/channels/webhook failed') });
    expect(requests).toHaveLength(3);
  });

  it('makes one attempt only with retries: 0', async () => {
    const { client, requests } = scripted([json(503, problem(503))], { retries: 0 });
    await client.getWebhook('demo');
    expect(requests).toHaveLength(1);
  });

  it('sends the token as a bearer', async () => {
    const { client, requests } = scripted([json(200, channel)]);
    await client.getWebhook('demo');
    expect(requests[0]!.headers.get('authorization')).toBe('Bearer secret-token');
  });
});

describe('the backoff', () => {
  it.each([
    ['the first retry', 1, 0.5, 500],
    ['the second retry', 2, 0.5, 1000],
    ['jitter at its lowest', 1, 0, 400],
    ['jitter at its highest', 1, 0.999999, 600],
    ['a late retry, capped', 10, 0.5, 8000],
  ])('waits as expected for %s', (_name, retry, random, want) => {
    expect(backoffDelay(retry, { baseDelayMs: 500, maxDelayMs: 8000, random: () => random })).toBe(want);
  });
});

describe('timeouts over real HTTP', () => {
  let server: Server;
  let baseUrl: string;
  let requests = 0;

  beforeAll(async () => {
    // Answers nothing, ever: every attempt must time out.
    server = createServer(() => void requests++);
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  });

  it('gives up on each attempt after timeoutMs and throws once retries are spent', async () => {
    // Long enough for the request to reach the server on a busy machine before the attempt gives
    // up (150 ms was not, and the second attempt was sometimes never seen).
    const client = createWebhookChannelClient({ baseUrl, token: 't', timeoutMs: 1000, retries: 1, sleep: async () => {} });
    const started = Date.now();
    const error = await client.getWebhook('demo').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebhookChannelNetworkError);
    expect((error as Error).message).toMatch(/timed out after 1000 ms \(2 attempts\)/);
    expect(requests).toBe(2);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("stops at once, without retrying, when the caller's own signal aborts", async () => {
    requests = 0;
    const client = createWebhookChannelClient({ baseUrl, token: 't', timeoutMs: 5_000, retries: 2, sleep: async () => {} });
    const controller = new AbortController();
    const pending = client.sendText('demo', SENDER, 'hi', { signal: controller.signal }).catch((e: unknown) => e);
    await waitFor(() => requests > 0, { timeoutMs: 5_000, what: 'the request to arrive' });
    controller.abort(new Error('the user left'));
    expect(await pending).toEqual(new Error('the user left'));
    expect(requests).toBe(1);
  });
});

describe('misuse', () => {
  it.each([
    ['no baseUrl', { baseUrl: '' }],
    ['a baseUrl that is not http(s)', { baseUrl: 'ftp://127.0.0.1' }],
    ['negative retries', { baseUrl: BASE_URL, retries: -1 }],
    ['fractional retries', { baseUrl: BASE_URL, retries: 1.5 }],
    ['a zero timeout', { baseUrl: BASE_URL, timeoutMs: 0 }],
  ])('throws at creation for %s', (_name, options) => {
    expect(() => createWebhookChannelClient(options)).toThrow();
  });
});
