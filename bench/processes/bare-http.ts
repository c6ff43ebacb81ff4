/**
 * Baseline (a), the CPU limit: bare `node:http` doing the least the send endpoint must do — check
 * the bearer token, read and parse the JSON body, answer 202 with a JSON body — and nothing else
 * (no store, no bot, no delivery).
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveRequests } from '../ipc.js';

const expected = Buffer.from(`Bearer ${process.env.BENCH_TOKEN}`);

const server = createServer((req, res) => {
  const given = Buffer.from(req.headers.authorization ?? '');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    res.writeHead(401, { 'content-type': 'application/problem+json' }).end('{"status":401,"title":"Unauthorized"}');
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    let body: { sender?: { id?: unknown } };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400, { 'content-type': 'application/problem+json' }).end('{"status":400,"title":"Bad Request"}');
      return;
    }
    const answer = JSON.stringify({ messageId: randomUUID(), senderId: body.sender?.id, createdAt: new Date().toISOString() });
    res.writeHead(202, { 'content-type': 'application/json' }).end(answer);
  });
});
server.keepAliveTimeout = 60_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

serveRequests({ ready: () => ({ port: (server.address() as AddressInfo).port, pid: process.pid }) });
