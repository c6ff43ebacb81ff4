/**
 * Bounds on what a client can make the server hold or walk: nesting depth of any JSON body
 * (issue 12, fault 4) and the size of a conversation's session (fault 3). Each reported input is
 * a case here, with the answer it must get.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SENDER, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({}, { startDelivery: false });
});
afterAll(async () => {
  await server?.close();
});

const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
const sender = (n: number) => `bounds-sender-${String(n).padStart(8, '0')}`;

describe('a body nested deeper than 32 levels', () => {
  // The reported input: sessionData 5,000 arrays deep answered 500 (RangeError in the idempotency hash).
  it.each([
    ['with an Idempotency-Key', { 'idempotency-key': 'deep-nesting-1' }],
    ['without an Idempotency-Key', {}],
  ])('is refused with 400 naming the field, %s', async (_name, headers) => {
    const body = `{"sender":{"id":"${SENDER}"},"message":{"type":"text","text":"hi"},"sessionData":{"deep":${nested(5000)}}}`;
    const res = await server.call('sendMessage', { body, headers });
    expect(res.status).toBe(400);
    const [error] = (res.body as any).errors;
    expect(error.location).toMatch(/^body\.sessionData\.deep(\.0){30}$/);
    expect(error.message).toBe('nests deeper than 32 levels of objects and arrays');
  });

  it.each([
    ['putWebhookChannel', `{"url":"http://127.0.0.1:9/webhook","verifyToken":${nested(100_000)}}`, 'body.verifyToken'],
    ['legacySendMessage', `{"sender":{"id":"${SENDER}"},"text":"hi","verifyToken":"x","extra":${nested(40)}}`, 'body.extra'],
    ['sendMessage', `${nested(60_000)}`, 'body'],
  ])('is refused with 400 by every operation with a body: %s', async (operationId, body, prefix) => {
    const res = await server.call(operationId, { body });
    expect(res.status).toBe(400);
    expect((res.body as any).errors[0].location.startsWith(prefix)).toBe(true);
  });

  it('is accepted at exactly 32 levels (the body counts as one)', async () => {
    // The body, sessionData, and 30 arrays in `deep`: 32 levels.
    const body = `{"sender":{"id":"${sender(0)}"},"message":{"type":"text","text":"hi"},"sessionData":{"deep":${nested(30)}}}`;
    expect((await server.call('sendMessage', { body })).status).toBe(202);
    const deeper = `{"sender":{"id":"${sender(0)}"},"message":{"type":"text","text":"hi"},"sessionData":{"deep":${nested(31)}}}`;
    expect((await server.call('sendMessage', { body: deeper })).status).toBe(400);
  });

  it('keeps serving after deep bodies', async () => {
    expect((await server.call('getHealth')).status).toBe(200);
  });
});

describe('a number a double cannot hold', () => {
  // Found by the attacker: sessionData {"x":1e400} was accepted and stored as null (JSON.parse reads Infinity).
  it.each([
    ['sendMessage', `{"sender":{"id":"${sender(1)}"},"message":{"type":"text","text":"hi"},"sessionData":{"x":1e400}}`, 'body.sessionData.x'],
    ['sendMessage', `{"sender":{"id":"${sender(1)}"},"message":{"type":"text","text":"hi"},"sessionData":{"list":[1,-2e308]}}`, 'body.sessionData.list.1'],
    ['sendChannelMessage', `{"user":{"id":"${sender(1)}"},"message":{"postbackMessage":{"sessionDataToSet":[{"key":"x","value":9e999}]}}}`, 'body.message.postbackMessage.sessionDataToSet.0.value'],
  ])('is refused with 400 naming the field: %s %s', async (operationId, body, location) => {
    let params: Record<string, string> | undefined;
    if (operationId === 'sendChannelMessage') {
      const channel = await server.call('putWebhookChannel', { body: { url: 'http://127.0.0.1:9/webhook', handshake: false } });
      params = { channelId: (channel.body as any).id };
    }
    const res = await server.call(operationId, { body, ...(params && { params }) });
    expect(res.status).toBe(400);
    expect((res.body as any).errors).toEqual([{ location, message: 'is a number too large to be represented' }]);
  });

  it('stores nothing of the refused send, and accepts the largest double', async () => {
    const res = await server.call('getConversationSession', { params: { senderId: sender(1) } });
    expect(res.status).toBe(404);
    const body = `{"sender":{"id":"${sender(1)}"},"message":{"type":"text","text":"hi"},"sessionData":{"x":1.7976931348623157e308}}`;
    expect((await server.call('sendMessage', { body })).status).toBe(202);
    const session = await server.call('getConversationSession', { params: { senderId: sender(1) } });
    expect((session.body as any).variables.x).toBe(Number.MAX_VALUE);
  });
});

describe("a conversation's session", () => {
  const variables = (prefix: string, count: number, bytes: number) =>
    Object.fromEntries(Array.from({ length: count }, (_, i) => [`${prefix}${i}`, 'v'.repeat(bytes)]));
  const send = (id: string, sessionData: Record<string, unknown>) =>
    server.call('sendMessage', { body: { sender: { id }, message: { type: 'intro' }, sessionData } });

  // The reported input, scaled: sends of 100 new 2 KB variables grew a session to 14.5 MB.
  it('refuses with 422 session-too-large the send that would pass 64 KiB, naming sessionData', async () => {
    const id = sender(1);
    expect((await send(id, variables('a', 25, 2000))).status).toBe(202); // ~51 KB
    const res = await send(id, variables('b', 25, 2000)); // would be ~102 KB
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ type: 'https://webhook-channel.dev/problems/session-too-large', status: 422 });
    expect((res.body as any).errors).toEqual([
      { location: 'body.sessionData', message: expect.stringMatching(/^would grow the session to \d+ bytes of JSON; a session holds at most 65536$/) },
    ]);
    const session = (await server.call('getConversationSession', { params: { senderId: id } })).body as any;
    expect(Object.keys(session.variables).filter((k) => k.startsWith('b'))).toEqual([]);
  });

  it('refuses with 422 the send that would pass 200 variables, and accepts overwriting existing ones', async () => {
    const id = sender(2);
    expect((await send(id, variables('a', 100, 1))).status).toBe(202);
    expect((await send(id, variables('b', 100, 1))).status).toBe(202);
    const res = await send(id, { c0: 1 });
    expect(res.status).toBe(422);
    expect((res.body as any).errors[0].message).toMatch(/^would grow the session to 20\d variables; a session holds at most 200$/);
    // Setting variables it already has does not grow it.
    expect((await send(id, variables('a', 100, 1))).status).toBe(202);
  });

  it('answers an Idempotency-Key retry of a refused send with the same 422, storing nothing', async () => {
    const id = sender(3);
    const body = { sender: { id }, message: { type: 'intro' }, sessionData: { big: 'x'.repeat(70_000) } };
    for (let i = 0; i < 2; i++) {
      expect((await server.call('sendMessage', { body, headers: { 'idempotency-key': 'too-large-1' } })).status).toBe(422);
    }
    expect((await server.call('getConversationSession', { params: { senderId: id } })).status).toBe(404);
  });
});
