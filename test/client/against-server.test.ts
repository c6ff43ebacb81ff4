/**
 * The client and the receiver kit against the real server: every operation through the typed
 * client, and the server's real deliveries verified by the kit (also across a secret rotation).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhookChannelClient, type WebhookChannelClient } from '../../client/index.js';
import { nodeWebhookHandler, verifyWebhook, type BotMessageEvent } from '../../client/receiver/index.js';
import { startTestServer, TEST_TOKEN, type TestServer } from '../support/server.js';
import { waitFor } from '../support/wait-for.js';

const VERIFY_TOKEN = 'client-verify-token';
const SENDER = 'client-sender-00000000000001';
let server: TestServer;
let client: WebhookChannelClient;
let receiverServer: Server;
let receiverUrl: string;
const events: BotMessageEvent[] = [];
const raw: Array<{ body: string; headers: Record<string, string> }> = [];
// The kit's handler, replaced once the server's secret is known (the handshake needs no secret).
let handler = nodeWebhookHandler({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', verifyToken: VERIFY_TOKEN, onMessage: () => undefined });

beforeAll(async () => {
  server = await startTestServer();
  client = createWebhookChannelClient({ baseUrl: server.url, token: TEST_TOKEN });
  receiverServer = createServer((req, res) => {
    if (req.method === 'POST') {
      // Keep a copy of what came over the wire, for the rotation test below.
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => raw.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers as Record<string, string> }));
    }
    handler(req, res);
  });
  await new Promise<void>((resolve) => receiverServer.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiverServer.address() as AddressInfo).port}/webhook`;
});
afterAll(async () => {
  await server?.close();
  receiverServer?.closeAllConnections();
  await new Promise((resolve) => receiverServer?.close(resolve));
});

describe('the typed client against the server', () => {
  it('configures the webhook (the kit answers the handshake) and reads it back', async () => {
    const { data, error } = await client.configureWebhook('demo', { url: receiverUrl, verifyToken: VERIFY_TOKEN });
    expect(error).toBeUndefined();
    expect(data).toMatchObject({ status: 'active', url: receiverUrl });
    expect((await client.getWebhook('demo')).data?.verifyToken).toBe(VERIFY_TOKEN);
    const secret = (await client.getSecret('demo')).data!.secret;
    handler = nodeWebhookHandler({ secret, verifyToken: VERIFY_TOKEN, onMessage: (event) => void events.push(event) });
  });

  it('sends text, postbacks and other messages, and the kit receives every answer verified and typed', async () => {
    expect((await client.sendText('demo', SENDER, 'hi', { sender: { firstName: 'Ada' } })).data?.sequence).toBe(1);
    expect((await client.sendPostback('demo', SENDER, 'show-carousel', 'Carousel')).error).toBeUndefined();
    expect((await client.sendMessage('demo', { sender: { id: SENDER }, message: { type: 'location', coordinates: { lat: 51.2, long: 4.4 } } })).error).toBeUndefined();
    const rows = [];
    for await (const row of client.history('demo', SENDER, { pageSize: 2 })) rows.push(row);
    const botRows = rows.filter((r) => r.actor === 'bot');
    await waitFor(() => events.length >= botRows.length, { what: 'every bot message at the kit receiver' });
    expect(events.map((e) => e.messageCounter)).toEqual(botRows.map((r) => r.messageCounter));
    expect(events.some((e) => e.message.type === 'carousel')).toBe(true);
    expect(events[0]!.message.type === 'text' && events[0]!.message.text).toContain('Ada');
  });

  it('answers errors as the typed problem, not as a throw', async () => {
    const { data, error } = await client.sendText('no-such-bot', SENDER, 'hi');
    expect(data).toBeUndefined();
    // An unknown bot answers as a wrong token does (issue 12, fault 7).
    expect(error).toMatchObject({ status: 401, title: 'Unauthorized' });
    const invalid = await client.sendText('demo', 'x'.repeat(129), 'hi');
    expect(invalid.error?.errors?.[0]?.location).toBe('body.sender.id');
  });

  it('reads the session, pages through deliveries, gets one, and redelivers it', async () => {
    expect((await client.getSession('demo', SENDER)).data?.variables).toMatchObject({ firstName: 'Ada' });
    await waitFor(async () => {
      for await (const _ of client.deliveries('demo', { status: 'pending' })) return false;
      return true;
    });
    const all = [];
    for await (const delivery of client.deliveries('demo', { pageSize: 2 })) all.push(delivery);
    expect(all.length).toBe(events.length);
    const detail = await client.getDelivery('demo', all[0]!.id);
    expect(detail.data?.attempts.length).toBeGreaterThanOrEqual(1);
    const redelivered = await client.redeliver('demo', all[0]!.id);
    expect(redelivered.data?.status).toBe('pending');
  });

  it('reaches the legacy and operations endpoints through the typed core', async () => {
    const legacy = await client.api.GET('/api/bots/{botId}/history/{senderId}', {
      params: { path: { botId: 'demo', senderId: SENDER }, query: { access_token: TEST_TOKEN } as never },
    });
    expect(legacy.data?.count).toBeGreaterThan(0);
    expect((await client.api.GET('/healthz')).data).toEqual({ status: 'ok' });
  });

  // Issue 10, item 3: these threw "SyntaxError … not valid JSON", the legacy send after storing the message.
  it('reads the non-JSON answers by their media type: EVENT_RECEIVED, the metrics, the spec', async () => {
    const legacy = await client.api.POST('/api/webhookMessage/{botId}', {
      params: { path: { botId: 'demo' } },
      body: { sender: { id: SENDER }, text: 'hi', verifyToken: VERIFY_TOKEN },
    });
    expect(legacy.error).toBeUndefined();
    expect(legacy.data).toBe('EVENT_RECEIVED');
    const metrics = await client.api.GET('/metrics');
    expect(metrics.data).toEqual(expect.stringContaining('# HELP'));
    const spec = await client.api.GET('/openapi.yaml');
    expect(spec.data).toEqual(expect.stringMatching(/^openapi: 3\.1/m));
  });
});

describe('the receiver kit against real deliveries', () => {
  it('verifies with either secret while a rotation signs with both', async () => {
    const before = (await client.getSecret('demo')).data!.secret;
    const rotated = (await client.rotateSecret('demo')).data!;
    expect(rotated.previousSecret).toBe(before);
    expect(rotated.previousSecrets).toEqual([{ secret: before, expiresAt: rotated.previousExpiresAt }]);
    handler = nodeWebhookHandler({ secrets: [rotated.secret, before], verifyToken: VERIFY_TOKEN, onMessage: (event) => void events.push(event) });
    // Earlier tests' answers may still arrive, signed before the rotation: read the answer to this send.
    const sent = (await client.sendText('demo', SENDER, 'help')).data!;
    const answer = () => raw.find((r) => (JSON.parse(r.body) as { inReplyTo?: string }).inReplyTo === sent.messageId);
    await waitFor(() => answer() !== undefined, { what: "the answer to 'help'" });
    const delivery = answer()!;
    expect(delivery.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    await expect(verifyWebhook(delivery.body, delivery.headers, rotated.secret)).resolves.toMatchObject({ senderId: SENDER });
    await expect(verifyWebhook(delivery.body, delivery.headers, before)).resolves.toMatchObject({ senderId: SENDER });
    await expect(verifyWebhook(delivery.body, delivery.headers, 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD')).rejects.toMatchObject({ reason: 'no_matching_signature' });
  });

  it('removes the channel', async () => {
    expect((await client.deleteWebhook('demo')).response.status).toBe(204);
    expect((await client.getWebhook('demo')).error?.status).toBe(404);
  });
});
