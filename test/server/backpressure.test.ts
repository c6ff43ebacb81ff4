/**
 * Backpressure: sends to a bot whose active channel has too many deliveries due answer 429 with
 * Retry-After; other bots, and bots without an active channel, are not held back.
 */
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SENDER, startTestServer, type TestServer } from '../support/server.js';

const LIMIT = 4;
/** The demo bot answers "hi" with three messages: three deliveries per send. */
const hi = (sender = SENDER) => ({ sender: { id: sender }, message: { type: 'text', text: 'hi' } });

let botsDir: string;
let server: TestServer;
let otherToken: string;
let now = Date.parse('2026-11-29T12:00:00Z');

beforeAll(async () => {
  botsDir = await mkdtemp(join(tmpdir(), 'wc-backpressure-'));
  await copyFile('bots/demo.yaml', join(botsDir, 'demo.yaml'));
  await copyFile('bots/demo.yaml', join(botsDir, 'other.yaml'));
  // No delivery worker: what is queued stays due, so the backlog is exactly what was sent.
  server = await startTestServer(
    { BOTS_DIR: botsDir, CHANNEL_BACKLOG_LIMIT: String(LIMIT) },
    { startDelivery: false, verifyWebhookUrl: async () => ({ ok: true }), clock: { now: () => now } },
  );
  otherToken = server.server.issuedTokens.get('other')!;
});
afterAll(async () => {
  await server?.close();
  if (botsDir) await rm(botsDir, { recursive: true, force: true });
});

/** Sends after the last count has aged, so each send sees the backlog as it is. */
async function send(botId: string, token?: string) {
  now += 1_000;
  return server.call('sendMessage', { params: { botId }, body: hi(), ...(token && { token }) });
}

it('answers 429 with Retry-After once the active channel has more deliveries due than the bound, and stores nothing', async () => {
  const put = await server.call('putWebhookChannel', { body: { url: 'https://receiver.example.com/hook', verifyToken: 'backpressure-verify' } });
  expect(put.status).toBe(200);
  expect((await send('demo')).status).toBe(202); // 3 due
  expect((await send('demo')).status).toBe(202); // 6 due: past the bound of 4
  const refused = await send('demo');
  expect(refused.status).toBe(429);
  expect((refused.body as any).type).toMatch(/\/backlog-full$/);
  expect(Number((refused.headers as Headers).get('retry-after'))).toBeGreaterThanOrEqual(1);
  const history = await server.call('listConversationMessages', { params: { senderId: SENDER }, query: { limit: 100 } });
  expect((history.body as any).rows.filter((row: any) => row.actor === 'user')).toHaveLength(2);
});

it('keeps accepting for a bot without an active channel, however many deliveries it holds', async () => {
  for (let i = 0; i < 3; i++) expect((await send('other', otherToken)).status).toBe(202);
});

it('accepts again for the bot once its channel is no longer active', async () => {
  expect((await send('demo')).status).toBe(429);
  expect((await server.call('deleteWebhookChannel')).status).toBe(204);
  expect((await send('demo')).status).toBe(202);
});
