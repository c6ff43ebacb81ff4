/**
 * The client's live event iterator (`client.events`, `followEvents`): against the real server,
 * and against a scripted server that breaks the connection, to show that it resumes with
 * `Last-Event-ID` and yields every event once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhookChannelClient, EventStreamRefusedError, followEvents, type StreamEvent } from '../../client/index.js';
import { assertSchema } from '../support/contract.js';
import { SENDER, startTestServer, TEST_TOKEN, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({}, { eventStream: { pollIntervalMs: 20 } });
});
afterAll(() => server?.close());

describe('client.events against the server', () => {
  it('yields the user message and the bot answers as they are committed, each valid against the spec', async () => {
    const client = createWebhookChannelClient({ baseUrl: server.url, token: TEST_TOKEN });
    const abort = new AbortController();
    const seen: StreamEvent[] = [];
    const reading = (async () => {
      for await (const event of client.events('demo', { senderId: SENDER, signal: abort.signal })) {
        seen.push(event);
        if (seen.length === 4) abort.abort();
      }
    })();
    expect((await client.sendText('demo', SENDER, 'hi')).error).toBeUndefined();
    await reading;
    expect(seen.map((e) => (e.type === 'message.created' ? e.actor : e.type))).toEqual(['user', 'bot', 'bot', 'bot']);
    for (const e of seen) assertSchema('StreamEvent', e);
  });

  it('throws EventStreamRefusedError with the problem for a wrong token', async () => {
    const client = createWebhookChannelClient({ baseUrl: server.url, token: 'not-the-token-of-demo' });
    const iterate = async () => {
      for await (const _ of client.events('demo')) break;
    };
    await expect(iterate()).rejects.toMatchObject({ name: 'EventStreamRefusedError', status: 401, problem: { status: 401 } });
    await expect(iterate()).rejects.toBeInstanceOf(EventStreamRefusedError);
  });
});

describe('followEvents when the connection breaks', () => {
  const sse = (id: number) => `id: ${id}\nevent: message.created\ndata: ${JSON.stringify({ id: String(id), type: 'message.created' })}\n\n`;

  it('reconnects with Last-Event-ID after a break, a 503 and a `dropped`, and yields each event once', async () => {
    const requests: Array<string | null> = [];
    const script: Array<() => Response> = [
      // Two events, then the connection breaks mid-message.
      () =>
        new Response(
          new ReadableStream({
            pulls: 0,
            pull(c) {
              if (this.pulls++ === 0) c.enqueue(new TextEncoder().encode(sse(1) + sse(2) + 'id: 3\nevent: mess'));
              else c.error(new Error('connection reset'));
            },
          } as UnderlyingDefaultSource<Uint8Array> & { pulls: number }),
          { headers: { 'content-type': 'text/event-stream' } },
        ),
      () => new Response('busy', { status: 503 }),
      // The server drops a slow reader: the stream ends after `dropped`.
      () => new Response(sse(3) + `event: dropped\ndata: {"lastEventId":"3"}\n\n`, { headers: { 'content-type': 'text/event-stream' } }),
      () => new Response(sse(4) + sse(5), { headers: { 'content-type': 'text/event-stream' } }),
    ];
    const fakeFetch = (async (_url: URL, init: RequestInit) => {
      requests.push(new Headers(init.headers).get('last-event-id'));
      const next = script.shift();
      // Then nothing more arrives, until the abort.
      if (!next) return new Promise<Response>((_, reject) => init.signal?.addEventListener('abort', () => reject(new Error('aborted'))));
      return next();
    }) as unknown as typeof fetch;
    const abort = new AbortController();
    const waits: number[] = [];
    const ids: string[] = [];
    for await (const event of followEvents({
      baseUrl: 'http://127.0.0.1:1',
      token: 'x',
      botId: 'demo',
      signal: abort.signal,
      fetch: fakeFetch,
      sleep: async (ms) => void waits.push(ms),
    })) {
      ids.push(event.id);
      if (ids.length === 5) abort.abort();
    }
    expect(ids).toEqual(['1', '2', '3', '4', '5']);
    expect(requests).toEqual([null, '2', '2', '3']);
    expect(waits.length).toBe(3);
  });

  // Found by the attacker: after one stream had sent `retry: 2000`, a client refused with 429
  // (16 streams open, Retry-After: 5) reconnected every 2 s, ignoring the header.
  it('waits at least what a 429 or 503 says in Retry-After, and the backoff or `retry:` otherwise', async () => {
    const script: Array<() => Response> = [
      () => new Response(`retry: 2000\n\n${sse(1)}`, { headers: { 'content-type': 'text/event-stream' } }),
      () => new Response('{}', { status: 429, headers: { 'retry-after': '5' } }),
      () => new Response('{}', { status: 503, headers: { 'retry-after': '1' } }),
      () => new Response('{}', { status: 429, headers: { 'retry-after': 'soon' } }),
      () => new Response(sse(2), { headers: { 'content-type': 'text/event-stream' } }),
    ];
    const fakeFetch = (async () => script.shift()!()) as unknown as typeof fetch;
    const abort = new AbortController();
    const waits: number[] = [];
    const ids: string[] = [];
    for await (const event of followEvents({ baseUrl: 'http://127.0.0.1:1', token: 'x', botId: 'demo', signal: abort.signal, fetch: fakeFetch, sleep: async (ms) => void waits.push(ms) })) {
      ids.push(event.id);
      if (ids.length === 2) abort.abort();
    }
    expect(ids).toEqual(['1', '2']);
    // After the first stream ended; after the 429 (5 s, more than `retry:`); after the 503 (`retry:` is longer); after an unreadable Retry-After.
    expect(waits).toEqual([2000, 5000, 2000, 2000]);
  });
});
