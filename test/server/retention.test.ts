/**
 * Retention (issue 12): delivered deliveries and their attempts go after DELIVERY_RETENTION,
 * history after HISTORY_RETENTION, in batches; what is still to be sent or redelivered stays,
 * and a conversation goes on where it was.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { purgeExpired } from '../../server/channel/retention.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { waitFor } from '../support/wait-for.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const DAY = 86_400_000;
const VERIFY_TOKEN = 'retention-verify-token';
const FAILING = 'retention-sender-failing-0000';
let offset = 0;
const clock = { now: () => Date.now() + offset };
let server: TestServer;
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await startWebhookReceiver({ verifyToken: VERIFY_TOKEN, answer: (webhook) => ({ status: webhook.body.senderId === FAILING ? 500 : 200 }) });
  server = await startTestServer({}, { clock });
  await server.call('putWebhookChannel', { body: { url: receiver.url, verifyToken: VERIFY_TOKEN } });
});
afterAll(async () => {
  await server?.close();
  await receiver?.close();
});

const db = () => server.server.database.db;
const count = async (table: 'deliveries' | 'attempts' | 'messages' | 'events' | 'previous_secrets', status?: string) => {
  let query = db().selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n'));
  if (status) query = query.where('status' as any, '=', status);
  return Number((await query.executeTakeFirstOrThrow()).n);
};

it('purges delivered deliveries after 30 days and history after 365 days, keeping what is still to deliver', async () => {
  const senders = Array.from({ length: 3 }, (_, i) => `retention-sender-${String(i).padStart(12, '0')}`);
  for (const id of [...senders, FAILING]) {
    expect((await server.call('sendMessage', { body: { sender: { id }, message: { type: 'text', text: 'hi' } } })).status).toBe(202);
  }
  await waitFor(async () => (await count('deliveries', 'pending')) === 0, { what: 'every delivery succeeded or failed' });
  const delivered = await count('deliveries', 'succeeded');
  const failed = await count('deliveries', 'failed');
  expect(delivered).toBeGreaterThan(0);
  expect(failed).toBeGreaterThan(0);
  const messages = await count('messages');
  const events = await count('events');
  expect(events).toBeGreaterThan(0);
  const policy = server.server.context.config.retention;
  expect(policy).toEqual({ deliveryRetentionMs: 30 * DAY, historyRetentionMs: 365 * DAY });

  // Two rotations: the secrets they replaced go once their grace period (24 h) has ended.
  for (let i = 0; i < 2; i++) expect((await server.call('rotateWebhookSecret')).status).toBe(200);
  expect(await count('previous_secrets')).toBe(2);

  // Not yet 30 days: nothing goes but the replaced secrets.
  offset = 29 * DAY;
  expect(await purgeExpired(db(), clock, policy, 2)).toEqual({ deliveries: 0, messages: 0, events: 0, secrets: 2 });
  expect(await count('previous_secrets')).toBe(0);
  expect((await server.call('getWebhookSecret')).body).not.toHaveProperty('previousSecrets');

  // Past 30 days: the delivered ones go with their attempts, two at a time; the failed ones stay.
  // The event log goes too (what a stream resuming from an old id gets is what is left after it).
  offset = 31 * DAY;
  expect(await purgeExpired(db(), clock, policy, 2)).toEqual({ deliveries: delivered, messages: 0, events, secrets: 0 });
  expect(await count('events')).toBe(0);
  expect(await count('deliveries')).toBe(failed);
  const attemptsLeft = await db().selectFrom('attempts').innerJoin('deliveries', 'deliveries.id', 'attempts.delivery_id').select('deliveries.status').execute();
  expect(new Set(attemptsLeft.map((a) => a.status))).toEqual(new Set(['failed']));
  expect(await count('attempts')).toBe(attemptsLeft.length);
  expect(await count('messages')).toBe(messages);

  // Past a year: the history goes, except the messages whose delivery failed (still redeliverable).
  offset = 366 * DAY;
  const purged = await purgeExpired(db(), clock, policy, 2);
  expect(purged.messages).toBe(messages - failed);
  expect(await count('messages')).toBe(failed);
  const failedDelivery = ((await server.call('listDeliveries', { query: { status: 'failed' } })).body as any).data[0];
  expect((await server.call('redeliverDelivery', { params: { deliveryId: failedDelivery.id } })).status).toBe(202);

  // A conversation goes on where it was: its counters were kept.
  const again = await server.call('sendMessage', { body: { sender: { id: senders[0] }, message: { type: 'text', text: 'hi again' } } });
  expect((again.body as any).sequence).toBeGreaterThan(1);
  const history = (await server.call('listConversationMessages', { params: { senderId: senders[0]! } })).body as any;
  expect(history.rows[0].sequence).toBe((again.body as any).sequence);
});
