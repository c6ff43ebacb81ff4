/**
 * A webhook receiver that misbehaves on purpose, on 127.0.0.1 port 0: for each POST it asks
 * `plan` what to do (answer a status, hang, reset the connection mid-answer, answer slowly or
 * hugely, redirect, 410, 429 with a Retry-After), and records every attempt with what it did.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault =
  | { kind: 'ok' }
  | { kind: 'status'; status: number }
  | { kind: 'hang' }
  | { kind: 'reset' }
  | { kind: 'slow-ok' }
  | { kind: 'huge-ok' }
  | { kind: 'redirect' }
  | { kind: 'gone' }
  | { kind: 'too-many'; retryAfter: string };

export interface Attempt {
  at: number;
  path: string;
  webhookId: string;
  senderId: string;
  messageCounter: number;
  fault: Fault;
  /** Whether this attempt was acknowledged (a 2xx sent in full). */
  acknowledged: boolean;
}

export interface FaultReceiver {
  url: string;
  attempts: Attempt[];
  close(): Promise<void>;
}

export async function startFaultReceiver(verifyToken: string, plan: (attempt: Omit<Attempt, 'fault' | 'acknowledged'>, previous: Attempt[]) => Fault): Promise<FaultReceiver> {
  const attempts: Attempt[] = [];
  const byWebhook = new Map<string, Attempt[]>();
  const hanging = new Set<ServerResponse>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'GET') {
      const ok = url.searchParams.get('hub.verify_token') === verifyToken;
      res.writeHead(ok ? 200 : 403, { 'content-type': 'text/plain' }).end(ok ? url.searchParams.get('hub.challenge') ?? '' : 'no');
      return;
    }
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      const body = JSON.parse(raw);
      const base = { at: Date.now(), path: url.pathname, webhookId: String(req.headers['webhook-id']), senderId: body.senderId, messageCounter: body.messageCounter };
      const previous = byWebhook.get(base.webhookId) ?? [];
      const fault = plan(base, previous);
      const attempt: Attempt = { ...base, fault, acknowledged: false };
      attempts.push(attempt);
      byWebhook.set(base.webhookId, [...previous, attempt]);
      const ack = () => (attempt.acknowledged = true);
      switch (fault.kind) {
        case 'ok':
          ack();
          return void res.writeHead(200).end('ok');
        case 'status':
          return void res.writeHead(fault.status).end('nope');
        case 'hang':
          hanging.add(res);
          return;
        case 'reset':
          // Half a status line, then the connection is reset: no answer was given.
          req.socket.write('HTTP/1.1 200 O');
          return void setImmediate(() => req.socket.resetAndDestroy());
        case 'slow-ok': {
          ack();
          res.writeHead(200, { 'content-type': 'text/plain' });
          let sent = 0;
          const timer = setInterval(() => {
            if (++sent > 5 || res.destroyed) {
              clearInterval(timer);
              return void res.end();
            }
            res.write('.');
          }, 20);
          return;
        }
        case 'huge-ok':
          ack();
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          return void res.end(Buffer.alloc(4 * 1024 * 1024, 120));
        case 'redirect':
          return void res.writeHead(307, { location: `${url.origin}/elsewhere` }).end();
        case 'gone':
          return void res.writeHead(410).end('gone');
        case 'too-many':
          return void res.writeHead(429, { 'retry-after': fault.retryAfter }).end('slow down');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhook`,
    attempts,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
