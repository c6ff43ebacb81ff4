/**
 * Issue 10, items 3 and 4: answers read by their media type, and every error answer a problem
 * with its status. A scripted fetch plays the server; the same calls run against the real
 * server in against-server.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { createWebhookChannelClient } from '../../client/index.js';

function clientAnswering(response: () => Response) {
  return createWebhookChannelClient({ baseUrl: 'http://127.0.0.1:9', token: 't', retries: 0, fetch: async () => response() });
}

describe('a success', () => {
  it.each([
    ['EVENT_RECEIVED as text/plain (the legacy send)', { body: 'EVENT_RECEIVED', type: 'text/plain; charset=utf-8' }, 'EVENT_RECEIVED'],
    ['metrics as the Prometheus text format', { body: '# HELP up 1\nup 1\n', type: 'text/plain; version=0.0.4; charset=utf-8' }, '# HELP up 1\nup 1\n'],
    ['the spec as YAML', { body: 'openapi: 3.1.0\n', type: 'application/yaml' }, 'openapi: 3.1.0\n'],
    ['JSON', { body: '{"status":"ok"}', type: 'application/json; charset=utf-8' }, { status: 'ok' }],
    ['JSON with a +json type', { body: '{"a":1}', type: 'application/vnd.example+json' }, { a: 1 }],
    ['an empty JSON body', { body: '', type: 'application/json' }, undefined],
  ])('is read by its media type: %s', async (_name, { body, type }, want) => {
    const client = clientAnswering(() => new Response(body, { status: 200, headers: { 'content-type': type } }));
    const result = await client.api.GET('/healthz');
    expect(result.error).toBeUndefined();
    expect(result.data).toEqual(want);
  });

  it('of the legacy send is the string EVENT_RECEIVED, not a SyntaxError after the message was stored', async () => {
    const client = clientAnswering(() => new Response('EVENT_RECEIVED', { status: 200, headers: { 'content-type': 'text/plain' } }));
    const result = await client.api.POST('/api/webhookMessage/{botId}', {
      params: { path: { botId: 'demo' } },
      body: { sender: { id: 'a7355930-fa92-11e7-8308-2f056e75d1ee' }, text: 'hi', verifyToken: 'tok' } as never,
    });
    expect(result).toMatchObject({ data: 'EVENT_RECEIVED' });
  });

  it("keeps openapi-fetch's reading when the call asks for one (parseAs)", async () => {
    const client = clientAnswering(() => new Response('{"a":1}', { status: 200, headers: { 'content-type': 'application/json' } }));
    const result = await client.api.GET('/healthz', { parseAs: 'text' });
    expect(result.data).toBe('{"a":1}');
  });
});

describe('an error answer', () => {
  it.each([
    ['an empty 503', () => new Response(null, { status: 503 }), { type: 'about:blank', title: 'Service Unavailable', status: 503 }],
    ['a 503 with Content-Length 0', () => new Response('', { status: 503, headers: { 'content-length': '0' } }), { status: 503, title: 'Service Unavailable' }],
    ['an HTML 502 from a proxy', () => new Response('<html><body>Bad gateway</body></html>', { status: 502, headers: { 'content-type': 'text/html' } }), { type: 'about:blank', title: 'Bad Gateway', status: 502 }],
    ['a JSON 500 that is not a problem', () => new Response('{"oops":true}', { status: 500, headers: { 'content-type': 'application/json' } }), { type: 'about:blank', title: 'Internal Server Error', status: 500 }],
    ['a problem without its status', () => new Response('{"type":"https://x/p","title":"Nope"}', { status: 409, headers: { 'content-type': 'application/problem+json' } }), { type: 'https://x/p', title: 'Nope', status: 409 }],
    ['a status with no phrase we know', () => new Response(null, { status: 599 }), { type: 'about:blank', status: 599 }],
  ])('is a problem with its status: %s', async (_name, response, want) => {
    const result = await clientAnswering(response).getWebhook('demo');
    expect(result.data).toBeUndefined();
    expect(result.error).toMatchObject(want);
    expect(result.error!.title).toBeTypeOf('string');
    expect(result.error!.status).toBe(result.response.status);
  });

  it('keeps a problem the server sent, as it is', async () => {
    const problem = { type: 'https://webhook-channel.dev/problems/not-found', title: 'Not Found', status: 404, detail: 'No bot demo.' };
    const result = await clientAnswering(() => new Response(JSON.stringify(problem), { status: 404, headers: { 'content-type': 'application/problem+json' } })).getWebhook('demo');
    expect(result.error).toEqual(problem);
  });
});
