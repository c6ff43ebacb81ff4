/**
 * The drain reference: a bare undici Pool loop that POSTs the same webhook bodies the server
 * delivered (read from a file the receiver wrote), each signed as the server signs it
 * (Standard Webhooks), one at a time per conversation, in order — what the server's delivery
 * engine does, minus the store. Bounded by `maxMs`.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Pool } from 'undici';
import { epochMs, serveRequests } from '../ipc.js';

interface SendPlan {
  file: string;
  url: string;
  connections: number;
  maxMs: number;
}

const KEY = Buffer.from('bench-bare-sender-key');

async function sendAll(plan: SendPlan): Promise<{ sent: number; failed: number; ms: number }> {
  const lines = readFileSync(plan.file, 'utf8').split('\n').filter(Boolean);
  const byConversation = new Map<string, string[]>();
  for (const line of lines) {
    const [senderId, body] = JSON.parse(line) as [string, string];
    const queue = byConversation.get(senderId);
    if (queue) queue.push(body);
    else byConversation.set(senderId, [body]);
  }
  const url = new URL(plan.url);
  const pool = new Pool(url.origin, { connections: plan.connections, pipelining: 1, headersTimeout: 10_000, bodyTimeout: 10_000 });
  const started = epochMs();
  const deadline = started + plan.maxMs;
  let sent = 0;
  let failed = 0;
  let id = 0;
  const conversation = async (bodies: string[]) => {
    for (const body of bodies) {
      if (epochMs() > deadline) return;
      const webhookId = `msg_bare${id++}`;
      const timestamp = Math.floor(Date.now() / 1000);
      const signature = createHmac('sha256', KEY).update(`${webhookId}.${timestamp}.${body}`).digest('base64');
      const response = await pool.request({
        origin: url.origin,
        path: url.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'webhook-id': webhookId, 'webhook-timestamp': String(timestamp), 'webhook-signature': `v1,${signature}` },
        body,
      });
      await response.body.dump();
      if (response.statusCode === 200) sent++;
      else failed++;
    }
  };
  await Promise.all([...byConversation.values()].map(conversation));
  const ms = epochMs() - started;
  await pool.destroy();
  return { sent, failed, ms };
}

serveRequests({
  ready: () => ({ pid: process.pid }),
  send: ({ plan }: { plan: SendPlan }) => sendAll(plan),
});
