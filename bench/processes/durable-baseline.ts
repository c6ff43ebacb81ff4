/**
 * Baseline (b), the durable limit, written plainly: the least a durable, delivering channel must
 * do for one "hi".
 * - Accept: `node:http`, bearer check, JSON parse; the user message, three bot messages and
 *   three outbox rows are written by group commit — everything that arrived while the previous
 *   commit was syncing shares one transaction — with better-sqlite3 in WAL mode and
 *   `synchronous=FULL` (each commit is on disk); each 202 is sent after its commit.
 * - Deliver: each bot message is signed (Standard Webhooks: HMAC-SHA256 of `id.timestamp.body`)
 *   and POSTed with an undici Pool, one at a time per conversation, in order; the delivered
 *   marks are group-committed the same way. A failed POST is retried after RETRY_MS.
 * Environment: BENCH_TOKEN, BENCH_DB (file), BENCH_WEBHOOK_URL, BENCH_SECRET (whsec_…).
 */
import Database from 'better-sqlite3';
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { serveRequests } from '../ipc.js';

const RETRY_MS = 100;
/** A delivery failing this many times in a row is dropped (and counted), so no retry loop is endless. */
const MAX_ATTEMPTS = 50;
/** Connections to the receiver: at most this many conversations have an attempt in flight. */
const CONNECTIONS = 64;
const BOT_ID = 'demo';
const VERIFY_TOKEN = 'bench-verify-token';

const expected = Buffer.from(`Bearer ${process.env.BENCH_TOKEN}`);
const webhookUrl = new URL(process.env.BENCH_WEBHOOK_URL!);
const key = Buffer.from(process.env.BENCH_SECRET!.replace(/^whsec_/, ''), 'base64');

const db = new Database(process.env.BENCH_DB!);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec(`
  CREATE TABLE IF NOT EXISTS conversations (sender_id TEXT PRIMARY KEY, bot_counter INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS messages (id TEXT PRIMARY KEY, sender_id TEXT NOT NULL, direction TEXT NOT NULL,
    counter INTEGER, body TEXT NOT NULL, created_at INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS outbox (id TEXT PRIMARY KEY, sender_id TEXT NOT NULL, message_id TEXT NOT NULL,
    body TEXT NOT NULL, delivered_at INTEGER);
`);
const insertMessage = db.prepare('INSERT INTO messages (id, sender_id, direction, counter, body, created_at) VALUES (?, ?, ?, ?, ?, ?)');
const insertOutbox = db.prepare('INSERT INTO outbox (id, sender_id, message_id, body) VALUES (?, ?, ?, ?)');
const saveConversation = db.prepare(
  'INSERT INTO conversations (sender_id, bot_counter) VALUES (?, ?) ON CONFLICT (sender_id) DO UPDATE SET bot_counter = excluded.bot_counter',
);
const markDelivered = db.prepare('UPDATE outbox SET delivered_at = ? WHERE id = ?');
const counters = new Map<string, number>();

/** The demo bot's answer to "hi": two texts, then the menu. */
const ANSWER = [
  { type: 'text', text: "Hi there! I'm the demo bot of the Webhook channel." },
  { type: 'text', text: 'I can show you every kind of message the channel carries. Pick one below, or type help.' },
  {
    type: 'quick_replies',
    text: 'What would you like to see?',
    quick_replies: ['Text', 'Buttons', 'Quick replies', 'Carousel', 'List', 'Media', 'Your name', 'Help'].map((title) => ({
      content_type: 'text',
      title,
      payload: `show-${title.toLowerCase().replace(/ /g, '-')}`,
    })),
  },
];

interface Accept {
  senderId: string;
  text: string;
  res: ServerResponse;
}
interface Outgoing {
  id: string;
  body: string;
  failures?: number;
}

// ---- accept, by group commit
let accepts: Accept[] = [];
let acceptCommitQueued = false;

function accept(item: Accept): void {
  accepts.push(item);
  if (!acceptCommitQueued) {
    acceptCommitQueued = true;
    setImmediate(commitAccepts);
  }
}

function commitAccepts(): void {
  acceptCommitQueued = false;
  const batch = accepts;
  accepts = [];
  const now = Date.now();
  const created: Array<{ senderId: string; messageId: string; outgoing: Outgoing[] }> = [];
  db.transaction(() => {
    for (const item of batch) {
      const messageId = randomUUID();
      insertMessage.run(messageId, item.senderId, 'in', null, JSON.stringify({ type: 'text', text: item.text }), now);
      let counter = counters.get(item.senderId) ?? 0;
      const outgoing: Outgoing[] = [];
      for (const message of ANSWER) {
        counter++;
        const botMessageId = randomUUID();
        const body = JSON.stringify({
          senderId: item.senderId,
          recipient: { id: item.senderId },
          botId: BOT_ID,
          messageId: botMessageId,
          inReplyTo: messageId,
          messageCounter: counter,
          timestamp: new Date(now).toISOString(),
          verifyToken: VERIFY_TOKEN,
          message,
        });
        insertMessage.run(botMessageId, item.senderId, 'out', counter, JSON.stringify(message), now);
        const id = `msg_${botMessageId.replace(/-/g, '')}`;
        insertOutbox.run(id, item.senderId, botMessageId, body);
        outgoing.push({ id, body });
      }
      counters.set(item.senderId, counter);
      saveConversation.run(item.senderId, counter);
      created.push({ senderId: item.senderId, messageId, outgoing });
    }
  })();
  // Committed (synchronous=FULL: on disk): now the 202s, then the deliveries.
  batch.forEach((item, i) => {
    const { messageId } = created[i]!;
    item.res
      .writeHead(202, { 'content-type': 'application/json' })
      .end(JSON.stringify({ messageId, senderId: item.senderId, createdAt: new Date(now).toISOString() }));
  });
  for (const { senderId, outgoing } of created) {
    const queue = queues.get(senderId);
    if (queue) queue.push(...outgoing);
    else queues.set(senderId, outgoing);
    pump(senderId);
  }
}

// ---- deliver, one at a time per conversation
const pool = new Pool(webhookUrl.origin, { connections: CONNECTIONS, pipelining: 1, headersTimeout: 10_000, bodyTimeout: 10_000 });
const queues = new Map<string, Outgoing[]>();
const inFlight = new Set<string>();
let delivered: string[] = [];
let dropped = 0;
let markCommitQueued = false;

function pump(senderId: string): void {
  if (inFlight.has(senderId)) return;
  const queue = queues.get(senderId);
  const next = queue?.[0];
  if (!next) {
    queues.delete(senderId);
    return;
  }
  inFlight.add(senderId);
  void send(next).then((ok) => {
    inFlight.delete(senderId);
    if (ok) {
      queue!.shift();
      markAsDelivered(next.id);
      pump(senderId);
    } else if ((next.failures = (next.failures ?? 0) + 1) >= MAX_ATTEMPTS) {
      queue!.shift();
      dropped++;
      pump(senderId);
    } else {
      setTimeout(() => pump(senderId), RETRY_MS);
    }
  });
}

async function send(outgoing: Outgoing): Promise<boolean> {
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = createHmac('sha256', key).update(`${outgoing.id}.${timestamp}.${outgoing.body}`).digest('base64');
  try {
    const response = await pool.request({
      origin: webhookUrl.origin,
      path: webhookUrl.pathname,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': outgoing.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': `v1,${signature}`,
      },
      body: outgoing.body,
    });
    await response.body.dump();
    return response.statusCode >= 200 && response.statusCode < 300;
  } catch {
    return false;
  }
}

function markAsDelivered(id: string): void {
  delivered.push(id);
  if (!markCommitQueued) {
    markCommitQueued = true;
    setImmediate(commitMarks);
  }
}

function commitMarks(): void {
  markCommitQueued = false;
  const batch = delivered;
  delivered = [];
  const now = Date.now();
  db.transaction(() => {
    for (const id of batch) markDelivered.run(now, id);
  })();
}

// ---- HTTP
const server = createServer((req, res) => {
  const given = Buffer.from(req.headers.authorization ?? '');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    res.writeHead(401, { 'content-type': 'application/problem+json' }).end('{"status":401,"title":"Unauthorized"}');
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    let body: { sender?: { id?: unknown }; message?: { type?: unknown; text?: unknown } };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      body = {};
    }
    const senderId = body.sender?.id;
    const text = body.message?.text;
    if (typeof senderId !== 'string' || typeof text !== 'string') {
      res.writeHead(400, { 'content-type': 'application/problem+json' }).end('{"status":400,"title":"Bad Request"}');
      return;
    }
    accept({ senderId, text, res });
  });
});
server.keepAliveTimeout = 60_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

serveRequests({
  ready: () => ({ port: (server.address() as AddressInfo).port, pid: process.pid }),
  /** Outbox rows not yet marked delivered (a check that the baseline delivered everything). */
  undelivered: () => (db.prepare('SELECT count(*) AS n FROM outbox WHERE delivered_at IS NULL').get() as { n: number }).n,
  dropped: () => dropped,
});
