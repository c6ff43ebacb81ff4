/**
 * The client against the Prism mock of spec/openapi.yaml, started as `npm run mock -- --port N`
 * starts it: a few operations, each answer checked against the spec.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhookChannelClient, type WebhookChannelClient } from '../../client/index.js';
import { assertResponseMatchesSpec } from '../support/contract.js';
import { waitFor } from '../support/wait-for.js';
import { exited, freePort } from '../support/child-output.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SENDER = 'a7355930-fa92-11e7-8308-2f056e75d1ee';

/** Prism answers once it has loaded the spec; until then the connection is refused. */
async function answers(url: string, prism: ChildProcess): Promise<boolean> {
  if (prism.exitCode !== null) throw new Error(`prism exited with ${prism.exitCode}`);
  return fetch(url).then(
    () => true,
    () => false,
  );
}

/** What the client got, as the contract helper reads it. */
function wire(result: { data?: unknown; error?: unknown; response: Response }) {
  return { status: result.response.status, headers: result.response.headers, body: result.data ?? result.error };
}

describe('the client against the Prism mock', () => {
  let prism: ChildProcess;
  let baseUrl: string;
  let client: WebhookChannelClient;
  let output = '';

  beforeAll(async () => {
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    // Started as `npm run mock -- --port N` starts it (issue 10, item 11: Prism used to get two ports).
    prism = spawn(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'mock/api-mock.ts', '--port', String(port)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    prism.stdout!.on('data', (chunk) => (output += chunk));
    prism.stderr!.on('data', (chunk) => (output += chunk));
    await waitFor(() => answers(`${baseUrl}/healthz`, prism), { timeoutMs: 60_000, intervalMs: 100, what: 'prism to answer' }).catch((error: Error) => {
      throw new Error(`${error.message}\n${output.slice(-2000)}`);
    });
    client = createWebhookChannelClient({ baseUrl, token: 'test-token', retries: 0 });
  });

  afterAll(async () => {
    if (prism) {
      prism.kill('SIGTERM');
      await exited(prism);
    }
  });

  it('sends a text message and gets 202 with the accepted message', async () => {
    const result = await client.sendText('demo', SENDER, 'What can you show me?', { sender: { firstName: 'Ada', locale: 'en' } });
    assertResponseMatchesSpec('sendMessage', wire(result));
    expect(result.response.status).toBe(202);
    expect(result.data?.senderId).toBe(SENDER);
  });

  it('sends a postback through the typed core too', async () => {
    const result = await client.api.POST('/v1/bots/{botId}/channels/webhook/messages', {
      params: { path: { botId: 'demo' } },
      body: { sender: { id: SENDER }, message: { type: 'postback', payload: 'show-carousel', title: 'Carousel' } },
    });
    assertResponseMatchesSpec('sendMessage', wire(result));
    expect(result.response.status).toBe(202);
  });

  it('gets the channel configuration with 200', async () => {
    const result = await client.getWebhook('demo');
    assertResponseMatchesSpec('getWebhookChannel', wire(result));
    expect(result.data?.status).toBe('active');
  });

  it('answers the problem of a 401 as error when no token is given', async () => {
    const anonymous = createWebhookChannelClient({ baseUrl, retries: 0 });
    const result = await anonymous.getWebhook('demo');
    assertResponseMatchesSpec('getWebhookChannel', wire(result));
    expect(result.data).toBeUndefined();
    expect(result.error).toMatchObject({ status: 401, title: 'Unauthorized' });
  });

  it('answers the problem of a 400 as error for a body the spec refuses', async () => {
    const result = await client.sendText('demo', 'x'.repeat(129), 'hi');
    assertResponseMatchesSpec('sendMessage', wire(result));
    // Prism answers an invalid request with the operation's 422 example when it declares one
    // (sendMessage does, for a session too large), whatever Prefer says; the server answers 400.
    expect(result.error?.status).toBe(422);
    expect(result.data).toBeUndefined();
  });

  it('answers the problem of a 404 as error (Prefer: code=404)', async () => {
    const result = await client.api.GET('/v1/bots/{botId}/channels/webhook', {
      params: { path: { botId: 'demo' } },
      headers: { Prefer: 'code=404' },
    });
    assertResponseMatchesSpec('getWebhookChannel', wire(result));
    expect(result.error).toMatchObject({ status: 404, title: 'Not Found' });
  });

  it('walks a conversation history page by page', async () => {
    const rows = [];
    for await (const row of client.history('demo', SENDER)) rows.push(row);
    expect(rows.map((row) => row.actor)).toEqual(['user', 'bot']);
    const page = await client.api.GET('/v1/bots/{botId}/conversations/{senderId}/messages', { params: { path: { botId: 'demo', senderId: SENDER } } });
    assertResponseMatchesSpec('listConversationMessages', wire(page));
  });

  it('reads the secret, the delivery log and a delivery', async () => {
    assertResponseMatchesSpec('getWebhookSecret', wire(await client.getSecret('demo')));
    const deliveries = client.deliveries('demo', { status: 'succeeded' });
    for await (const delivery of deliveries) {
      expect(delivery.id).toMatch(/^dlv_/);
      assertResponseMatchesSpec('getDelivery', wire(await client.getDelivery('demo', delivery.id)));
      break;
    }
  });
});
