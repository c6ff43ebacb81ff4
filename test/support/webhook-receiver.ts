/**
 * A webhook receiver for tests, on 127.0.0.1 port 0: answers the hub.challenge handshake, records
 * every POST with its raw body, and answers as the test scripts it (to misbehave on purpose).
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from './wait-for.js';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  rawBody: string;
  body: any;
  /** The status the receiver answered (undefined: it hung up). */
  answeredStatus?: number;
}

export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Answer after this long (a receiver slower than the timeout). */
  delayMs?: number;
  /** Destroy the socket instead of answering. */
  hangUp?: boolean;
  /** Answer only once this settles: the request is held until the test lets it go. */
  until?: Promise<unknown>;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  handshakes: URLSearchParams[];
  /** Waits until `count` POSTs arrived. */
  waitForCount(count: number, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(
  options: { verifyToken?: string; answer?: (webhook: ReceivedWebhook, index: number) => ScriptedAnswer; path?: string } = {},
): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const handshakes: URLSearchParams[] = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'GET') {
      handshakes.push(url.searchParams);
      const tokenOk = options.verifyToken === undefined || url.searchParams.get('hub.verify_token') === options.verifyToken;
      if (url.searchParams.get('hub.mode') === 'subscribe' && tokenOk) {
        res.writeHead(200, { 'content-type': 'text/plain' }).end(url.searchParams.get('hub.challenge') ?? '');
      } else {
        res.writeHead(403).end();
      }
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = JSON.parse(rawBody);
    } catch {
      body = undefined;
    }
    const webhook: ReceivedWebhook = { headers: req.headers, rawBody, body };
    const index = received.push(webhook) - 1;
    const answer = options.answer?.(webhook, index) ?? { status: 200 };
    if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
    if (answer.until) await answer.until.catch(() => undefined);
    if (answer.hangUp) {
      req.socket.destroy();
      return;
    }
    if (!res.destroyed) {
      webhook.answeredStatus = answer.status;
      res.writeHead(answer.status, answer.headers).end(answer.body ?? '');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${options.path ?? '/webhook'}`,
    received,
    handshakes,
    async waitForCount(count, timeoutMs = 20_000) {
      await waitFor(() => received.length >= count, { timeoutMs, what: `${count} webhooks (got ${received.length})` });
      return received;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
