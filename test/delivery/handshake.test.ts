import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CHALLENGE_PATTERN } from '../../contract/handshake-challenge.js';
import { HandshakeError, verifyWebhookUrl } from '../../server/delivery/handshake.js';
import { UrlGuard, UrlRefusedError } from '../../server/delivery/url-guard.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';

const guard = new UrlGuard({ allowedHosts: ['127.0.0.1'] });
const VERIFY_TOKEN = '8wMsLZkdDPT64nqh';
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => (s.closeAllConnections(), s.close(resolve)))));
});

/** A receiver on 127.0.0.1 that answers the handshake as the test says. */
async function serve(handler: RequestListener): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`;
}

const failureOf = (promise: Promise<unknown>) => promise.then(() => null, (error: unknown) => error);

describe('verifyWebhookUrl', () => {
  it('passes when the URL echoes the challenge, and sends the hub parameters', async () => {
    const receiver = await startWebhookReceiver({ verifyToken: VERIFY_TOKEN });
    try {
      await expect(verifyWebhookUrl(receiver.url, VERIFY_TOKEN, { guard, challenge: '482913005716238' })).resolves.toBeUndefined();
      expect(Object.fromEntries(receiver.handshakes[0])).toEqual({
        'hub.mode': 'subscribe',
        'hub.verify_token': VERIFY_TOKEN,
        'hub.challenge': '482913005716238',
      });
    } finally {
      await receiver.close();
    }
  });

  it('sends a fresh random challenge when none is given', async () => {
    const receiver = await startWebhookReceiver();
    try {
      await verifyWebhookUrl(receiver.url, VERIFY_TOKEN, { guard });
      await verifyWebhookUrl(receiver.url, VERIFY_TOKEN, { guard });
      const [first, second] = receiver.handshakes.map((q) => q.get('hub.challenge'));
      expect(first).toMatch(CHALLENGE_PATTERN);
      expect(second).not.toBe(first);
    } finally {
      await receiver.close();
    }
  });

  // Issue 10, item 6: the server's 32-hex challenge came back as parseInt's idea of it, and failed with 422.
  it('passes a receiver written the Messenger way, which echoes String(parseInt(challenge))', async () => {
    const url = await serve((req, res) => {
      res.end(String(parseInt(new URL(req.url!, 'http://x').searchParams.get('hub.challenge')!, 10)));
    });
    for (let i = 0; i < 5; i++) await expect(verifyWebhookUrl(url, VERIFY_TOKEN, { guard })).resolves.toBeUndefined();
  });

  it('accepts the challenge with whitespace around it, and keeps the URL’s own query', async () => {
    let query: URLSearchParams | undefined;
    const url = await serve((req, res) => {
      query = new URL(req.url!, 'http://x').searchParams;
      res.end(`  ${query.get('hub.challenge')}\n`);
    });
    await verifyWebhookUrl(`${url}?tenant=7#ignored`, VERIFY_TOKEN, { guard });
    expect(query?.get('tenant')).toBe('7');
  });

  it.each([
    ['a 403', (res: any) => res.writeHead(403).end(), { reason: 'unexpected-status', statusCode: 403, message: 'answered 403 instead of 200 with the challenge' }],
    ['a redirect, which is not followed', (res: any) => res.writeHead(301, { location: 'https://example.com/' }).end(), { reason: 'unexpected-status', message: 'answered 301 instead of 200 with the challenge' }],
    ['a 200 with another body', (res: any) => res.end('EVENT_RECEIVED'), { reason: 'challenge-mismatch', message: 'answered 200 but the body was not the challenge' }],
    ['a 200 with an empty body', (res: any) => res.end(), { reason: 'challenge-mismatch', message: 'answered 200 but the body was not the challenge' }],
  ])('fails on %s, saying what the URL answered', async (_name, answer, want) => {
    const url = await serve((_req, res) => answer(res));
    const failure = await failureOf(verifyWebhookUrl(url, VERIFY_TOKEN, { guard }));
    expect(failure).toBeInstanceOf(HandshakeError);
    expect(failure).toMatchObject(want);
  });

  it('fails when the URL does not answer within the timeout', async () => {
    const url = await serve(() => {}); // never answers
    const failure = await failureOf(verifyWebhookUrl(url, VERIFY_TOKEN, { guard, timeoutMs: 200 }));
    expect(failure).toMatchObject({ reason: 'timeout', message: 'timed out after 200 ms' });
  });

  it('fails when nothing listens there', async () => {
    const url = await serve(() => {});
    await new Promise((resolve) => servers.pop()!.close(resolve));
    const failure = await failureOf(verifyWebhookUrl(url, VERIFY_TOKEN, { guard }));
    expect(failure).toMatchObject({ reason: 'connection-refused', message: 'connection refused' });
  });

  it('fails when the URL closes the connection without answering', async () => {
    const url = await serve((req) => req.socket.destroy());
    const failure = await failureOf(verifyWebhookUrl(url, VERIFY_TOKEN, { guard }));
    expect(failure).toMatchObject({ reason: 'connection-failed', message: 'closed the connection without answering' });
  });

  it('refuses a URL the guard refuses, without calling it', async () => {
    let called = false;
    const url = await serve((_req, res) => ((called = true), res.end()));
    const failure = await failureOf(verifyWebhookUrl(url, VERIFY_TOKEN, { guard: new UrlGuard() }));
    expect(failure).toBeInstanceOf(UrlRefusedError);
    expect(failure).toMatchObject({ reason: 'https-required', message: 'must use https' });
    expect(called).toBe(false);
  });
});
