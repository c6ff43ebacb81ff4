/**
 * What Node's HTTP server refuses before a request reaches the app (bytes that are not HTTP,
 * headers past its size limit, a request that takes too long) is answered as a problem too, then
 * the connection is closed (server/http/connection-timeouts.ts). Slow clients at scale: test/reliability.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, TEST_TOKEN, type TestServer } from '../support/server.js';

/** One server with the default bounds, for what is refused at once; one with short ones, for timeouts. */
let server: TestServer;
let impatient: TestServer;
beforeAll(async () => {
  server = await startTestServer({}, { startDelivery: false });
  // Short, but not so short that a busy machine's pause before the headers are read times them out.
  impatient = await startTestServer({ HTTP_HEADERS_TIMEOUT: '1s', HTTP_REQUEST_TIMEOUT: '1500ms' }, { startDelivery: false });
});
afterAll(() => Promise.all([server.close(), impatient.close()]));

/** Sends `bytes` on a fresh connection and resolves with all the server sent once it closed it. */
function exchange(to: TestServer, bytes: string): Promise<string> {
  return new Promise((done, fail) => {
    const socket = connect(to.server.port, '127.0.0.1');
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', fail);
    socket.on('close', () => done(text));
    socket.on('connect', () => socket.write(bytes));
  });
}

function parse(answer: string): { status: number; headers: string; body: any } {
  const split = answer.indexOf('\r\n\r\n');
  return { status: Number(answer.slice(9, 12)), headers: answer.slice(0, split), body: JSON.parse(answer.slice(split + 4)) };
}

it.each([
  ['bytes that are not HTTP', 'HELLO THERE\r\n\r\n', 400, 'malformed-request'],
  ['headers past the size limit', `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'request-header-fields-too-large'],
  ['chunk extensions past their limit', `POST /v1/bots/demo/channels/webhook/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TEST_TOKEN}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2;${'x'.repeat(20_000)}\r\n{}\r\n0\r\n\r\n`, 413, 'payload-too-large'],
  ['headers that never end', 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n', 408, 'request-timeout'],
  ['a body that never ends', `POST /v1/bots/demo/channels/webhook/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TEST_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"sender"`, 408, 'request-timeout'],
])('answers %s with a problem and closes the connection', async (_, bytes, status, type) => {
  const answer = parse(await exchange(status === 408 ? impatient : server, bytes));
  expect(answer.status).toBe(status);
  expect(answer.headers).toMatch(/\r\nContent-Type: application\/problem\+json\r\n/);
  expect(answer.headers).toMatch(/\r\nConnection: close(\r\n|$)/);
  expect(answer.body).toMatchObject({ status, type: `https://webhook-channel.dev/problems/${type}` });
});

it('answers an unauthenticated request before its body ends, and still cuts off the rest of the body', async () => {
  const answer = await exchange(impatient, 'POST /v1/bots/demo/channels/webhook/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"sender"');
  expect(answer).toMatch(/^HTTP\/1\.1 401 /);
  // Node reads on for the next request until the request bound, then says why it closes.
  expect(answer).toMatch(/\r\n\r\n\{[^\r]*\}HTTP\/1\.1 408 Request Timeout\r\n/);
});
