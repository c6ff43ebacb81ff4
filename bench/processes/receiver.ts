/**
 * The local webhook receiver, a process of its own on 127.0.0.1: answers every verification
 * handshake (GET with `hub.challenge`), and every POST with 200, except under `/hang/`, where it
 * never answers (a receiver that hangs). For each POST it records when it arrived and what it
 * was (webhook-id, botId, senderId, messageCounter, inReplyTo), so the parent can compute
 * latencies, order and gaps; in `count` mode it only counts (long runs).
 */
import { writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { epochMs, serveRequests } from '../ipc.js';

/** Parallel arrays, one entry per POST received (cheap to hold and to send over IPC). */
export interface Arrivals {
  at: number[];
  webhookId: string[];
  botId: string[];
  senderId: string[];
  counter: number[];
  inReplyTo: string[];
}

const empty = (): Arrivals => ({ at: [], webhookId: [], botId: [], senderId: [], counter: [], inReplyTo: [] });

let arrivals = empty();
let total = 0;
/** When the last POST arrived (epoch ms). */
let lastAt = 0;
let record = true;
/** With `keepBodies`: [senderId, body] of each POST, for the bare sender to post again. */
let bodies: Array<[string, string]> | undefined;
const hanging = new Set<ServerResponse>();

const server = createServer((req, res) => {
  if (req.method === 'GET') {
    const challenge = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams.get('hub.challenge') ?? '';
    res.writeHead(200, { 'content-type': 'text/plain' }).end(challenge);
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const at = epochMs();
    total++;
    lastAt = at;
    if (req.url?.startsWith('/hang/')) {
      hanging.add(res);
      res.once('close', () => hanging.delete(res));
      return;
    }
    if (record || bodies) {
      const raw = Buffer.concat(chunks).toString('utf8');
      const event = JSON.parse(raw) as { botId: string; senderId: string; messageCounter: number; inReplyTo: string };
      if (record) {
        arrivals.at.push(at);
        arrivals.webhookId.push(String(req.headers['webhook-id']));
        arrivals.botId.push(event.botId);
        arrivals.senderId.push(event.senderId);
        arrivals.counter.push(event.messageCounter);
        arrivals.inReplyTo.push(event.inReplyTo);
      }
      bodies?.push([event.senderId, raw]);
    }
    res.writeHead(200, { 'content-length': '0' }).end();
  });
});
server.keepAliveTimeout = 60_000;

await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

serveRequests({
  ready: () => ({ port: (server.address() as AddressInfo).port, pid: process.pid }),
  /** Forgets what arrived; `record: false` only counts from now on. */
  reset: ({ record: on = true, keepBodies = false }: { record?: boolean; keepBodies?: boolean }) => {
    arrivals = empty();
    total = 0;
    lastAt = 0;
    record = on;
    bodies = keepBodies ? [] : undefined;
    return null;
  },
  count: () => ({ total, hanging: hanging.size, at: epochMs(), lastAt }),
  arrivals: () => arrivals,
  /** The earliest arrival for `botId`, or null. */
  firstFor: ({ botId }: { botId: string }) => {
    const i = arrivals.botId.indexOf(botId);
    return i < 0 ? null : arrivals.at[i];
  },
  /** Writes the kept bodies as JSON lines of [senderId, body]. */
  dumpBodies: ({ file }: { file: string }) => {
    writeFileSync(file, (bodies ?? []).map((entry) => JSON.stringify(entry)).join('\n'));
    return bodies?.length ?? 0;
  },
  /** Ends the hanging requests (so the server under test can stop). */
  release: () => {
    for (const res of hanging) res.destroy();
    return null;
  },
});
