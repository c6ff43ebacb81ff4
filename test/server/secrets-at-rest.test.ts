/**
 * Secrets at rest (issue 12, fault 6): the database files are private, the verify token is
 * compared by its hash, and with SECRETS_KEY the signing secrets and verify tokens are stored
 * sealed (AES-256-GCM), in the table and so in the WAL, while deliveries still sign and carry
 * the token.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretBox, openSecret, parseSecretsKey } from '../../server/credentials/secret-box.js';
import { loadConfig, ConfigError } from '../../server/config.js';
import { SENDER, startTestServer, type TestServer } from '../support/server.js';
import { testStore } from '../support/test-store.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const VERIFY_TOKEN = 'secrets-at-rest-verify-token';
const KEY = 'a'.repeat(64);
let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await startWebhookReceiver({ verifyToken: VERIFY_TOKEN });
});
afterAll(() => receiver?.close());

const channelRow = (server: TestServer) => server.server.database.db.selectFrom('channels').selectAll().where('bot_id', '=', 'demo').executeTakeFirstOrThrow();
const previousSecretRows = (server: TestServer) => server.server.database.db.selectFrom('previous_secrets').selectAll().where('bot_id', '=', 'demo').execute();
const text = { sender: { id: SENDER }, message: { type: 'text', text: 'hi' } };

describe('with SECRETS_KEY', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ SECRETS_KEY: KEY });
    expect((await server.call('putWebhookChannel', { body: { url: receiver.url, verifyToken: VERIFY_TOKEN } })).status).toBe(200);
  });
  afterAll(() => server?.close());

  it('stores the signing secret and the verify token sealed, and the token hash for authentication', async () => {
    const row = await channelRow(server);
    const secret = ((await server.call('getWebhookSecret')).body as any).secret as string;
    expect(secret).toMatch(/^whsec_/);
    expect(row.secret).toMatch(/^wcenc:v1:[0-9a-f]{16}:/);
    expect(row.verify_token).toMatch(/^wcenc:v1:/);
    expect(row.verify_token_hash).toBe(createHash('sha256').update(VERIFY_TOKEN).digest('hex'));
    expect(openSecret(row.secret)).toBe(secret);
  });

  it.skipIf(testStore() === 'postgres')('leaves neither in clear in the database file nor in its WAL', async () => {
    const secret = ((await server.call('getWebhookSecret')).body as any).secret as string;
    const file = server.databaseUrl.slice('sqlite:'.length);
    for (const part of [file, `${file}-wal`]) {
      const bytes = readFileSync(part);
      expect(bytes.includes(secret), part).toBe(false);
      expect(bytes.includes(VERIFY_TOKEN), part).toBe(false);
    }
  });

  it('signs deliveries with the secret, puts the verify token in their bodies, and keeps the replaced secrets sealed on rotation', async () => {
    await server.call('sendMessage', { body: text });
    const [webhook] = await receiver.waitForCount(1);
    expect(webhook!.body.verifyToken).toBe(VERIFY_TOKEN);
    expect(webhook!.headers['webhook-signature']).toMatch(/^v1,/);
    expect((await server.call('rotateWebhookSecret')).status).toBe(200);
    const rotated = (await server.call('rotateWebhookSecret')).body as any;
    const rows = await previousSecretRows(server);
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row.secret).toMatch(/^wcenc:v1:/);
    expect(rows.map((row) => openSecret(row.secret)).sort()).toEqual(rotated.previousSecrets.map((p: any) => p.secret).sort());
  });

  it('authenticates the legacy endpoint by the token hash', async () => {
    const body = { sender: { id: SENDER }, text: 'hi', verifyToken: VERIFY_TOKEN };
    expect((await server.call('legacySendMessage', { body, token: false })).status).toBe(200);
    expect((await server.call('legacySendMessage', { body: { ...body, verifyToken: 'wrong' }, token: false })).status).toBe(401);
  });
});

it('seals the secrets stored in clear once SECRETS_KEY is configured', async () => {
  const first = await startTestServer({}, { startDelivery: false });
  await first.call('putWebhookChannel', { body: { url: receiver.url, verifyToken: VERIFY_TOKEN } });
  const replaced = (await first.call('rotateWebhookSecret')).body as any;
  const clear = await channelRow(first);
  expect(clear.secret).toMatch(/^whsec_/);
  expect((await previousSecretRows(first)).map((row) => row.secret)).toEqual([replaced.previousSecret]);
  const url = first.databaseUrl;
  await first.server.close();
  const again = await startTestServer({ DATABASE_URL: url, SECRETS_KEY: KEY }, { startDelivery: false });
  try {
    const sealed = await channelRow(again);
    expect(sealed.secret).toMatch(/^wcenc:v1:/);
    expect((await previousSecretRows(again)).map((row) => row.secret)).toEqual([expect.stringMatching(/^wcenc:v1:/)]);
    expect((await again.call('getWebhookSecret')).body).toMatchObject({ secret: clear.secret, previousSecrets: [{ secret: replaced.previousSecret }] });
  } finally {
    await again.close();
    await first.close();
  }
});

it.skipIf(testStore() === 'postgres')('creates the database file, its WAL and SHM files and its lock file readable by their owner only', async () => {
  const previous = process.umask(0o022);
  const server = await startTestServer({}, { startDelivery: false });
  try {
    await server.call('sendMessage', { body: text });
    const file = server.databaseUrl.slice('sqlite:'.length);
    for (const part of [file, `${file}-wal`, `${file}-shm`, `${file}.lock`]) expect((statSync(part).mode & 0o777).toString(8), part).toBe('600');
  } finally {
    process.umask(previous);
    await server.close();
  }
});

describe('the key', () => {
  it.each([
    ['64 hex characters', 'ab'.repeat(32)],
    ['base64 of 32 bytes', Buffer.alloc(32, 7).toString('base64')],
  ])('is read from %s', (_name, text) => {
    expect(parseSecretsKey(text)).toHaveLength(32);
  });

  it('is refused when it is not 32 bytes, without echoing it', () => {
    expect(() => loadConfig({ SECRETS_KEY: 'short-key-value' })).toThrow(ConfigError);
    expect(() => loadConfig({ SECRETS_KEY: 'short-key-value' })).toThrow(/^SECRETS_KEY: must be 32 bytes/);
    expect(() => loadConfig({ SECRETS_KEY: 'short-key-value' })).not.toThrow(/short-key-value/);
  });

  it('seals each value anew, opens it, and refuses a value sealed with another key', () => {
    const box = createSecretBox(parseSecretsKey('cd'.repeat(32)));
    const [one, two] = [box.seal('whsec_x'), box.seal('whsec_x')];
    expect(one).not.toBe(two);
    expect(openSecret(one)).toBe('whsec_x');
    const foreign = one.replace(/^wcenc:v1:[0-9a-f]{16}/, 'wcenc:v1:0000000000000000');
    expect(() => openSecret(foreign)).toThrow(/not the configured SECRETS_KEY/);
    expect(openSecret('whsec_clear')).toBe('whsec_clear');
  });
});
