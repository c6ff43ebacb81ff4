/**
 * A receiver that behaves as those written for the platform's Webhook channel do (the platform's
 * sample chat bridge, see shared reference §7): one `POST` route and nothing else (any other
 * method or path is a 404, so no handshake can succeed); `body.verifyToken` compared with the
 * configured token, where no token configured means any `verifyToken` field is a mismatch (401);
 * `message.type === "event"` skipped; messages routed by `senderId`. It reads no signature.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from './wait-for.js';

export interface PlatformWebhook {
  rawBody: string;
  body: any;
}

export interface PlatformReceiver {
  url: string;
  /** Bodies it accepted (200), in arrival order. */
  accepted: PlatformWebhook[];
  /** Bodies it refused with 401 (verify token mismatch). */
  refused: PlatformWebhook[];
  /** Requests other than `POST {path}` (each answered 404). */
  otherRequests: string[];
  waitForAccepted(count: number, timeoutMs?: number): Promise<PlatformWebhook[]>;
  close(): Promise<void>;
}

export async function startPlatformReceiver(options: { verifyToken?: string; path?: string } = {}): Promise<PlatformReceiver> {
  const path = options.path ?? '/chatlayer/webhook';
  const accepted: PlatformWebhook[] = [];
  const refused: PlatformWebhook[] = [];
  const otherRequests: string[] = [];
  const server = createServer(async (req, res) => {
    if (req.method !== 'POST' || new URL(req.url ?? '/', 'http://127.0.0.1').pathname !== path) {
      otherRequests.push(`${req.method} ${req.url}`);
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const webhook: PlatformWebhook = { rawBody, body: JSON.parse(rawBody) };
    // The sample's rule: `body.verifyToken !== configuredToken` → 401, so with no token configured
    // a body carrying one (even "" or null) is refused.
    if (webhook.body.verifyToken !== options.verifyToken) {
      refused.push(webhook);
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid verify token"}');
      return;
    }
    if (webhook.body.message?.type !== 'event') accepted.push(webhook);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    accepted,
    refused,
    otherRequests,
    async waitForAccepted(count, timeoutMs = 20_000) {
      await waitFor(() => accepted.length >= count || refused.length > 0, { timeoutMs, what: `${count} accepted webhooks (got ${accepted.length})` });
      if (refused.length > 0) throw new Error(`the receiver refused a body: ${refused[0]!.rawBody}`);
      return accepted;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
