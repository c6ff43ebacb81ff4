/**
 * Leases name the instance that took them, and an instance whose heartbeat stopped loses them
 * at once (the SQL is the same on both engines; test/postgres/heartbeat.test.ts kills a real
 * instance, test/delivery/heartbeat.test.ts watches heartbeats on skewed clocks). A fake clock:
 * every `now` is passed in.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  appendMessages,
  claimDueDeliveries,
  enqueueDeliveries,
  openConversation,
  openDatabase,
  listInstanceHeartbeats,
  recordHeartbeat,
  releaseStoppedInstances,
  removeInstance,
  saveChannel,
  type Database,
} from '../../server/store/index.js';

const T0 = Date.parse('2026-11-29T10:00:00Z');
const LEASE = 600_000;
let database: Database;
let seq = 0;

beforeEach(async () => {
  database = await openDatabase('sqlite::memory:');
  await saveChannel(database.db, { botId: 'demo', url: 'https://bots.example.com/hook', verifyToken: 'token-token', newId: 'chn_01JD8X2A5B7C9D1E3F5G7H9J1K', newSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', now: T0 });
});
afterEach(async () => database.close());

/** One bot message queued in the conversation of `sender`; answers its delivery id. */
async function queue(sender: string): Promise<string> {
  const db = database.db;
  const conversation = await openConversation(db, { botId: 'demo', senderId: sender, newId: `cnv_${sender}`, now: T0 });
  const [m] = await appendMessages(db, conversation, [{ id: `msg_${++seq}`, actor: 'bot', isIntro: false, inReplyTo: null, body: { type: 'text', text: 'hi' } }], { state: null, variables: {} }, T0);
  const id = `dlv_${m!.id}`;
  await enqueueDeliveries(
    db,
    [{ id, botId: 'demo', conversationId: conversation.id, senderId: sender, messageId: m!.id, webhookId: m!.id, messageCounter: 1, event: { senderId: sender, recipient: { id: sender }, botId: 'demo', messageId: m!.id, inReplyTo: 'msg_0', messageCounter: 1, timestamp: new Date(T0).toISOString(), message: { type: 'text', text: 'hi' } } }],
    T0,
  );
  return id;
}

const claim = (owner: string, now: number) => claimDueDeliveries(database.db, { now, leaseMs: LEASE, limit: 1, owner }).then((c) => c.map((d) => d.id));

it('frees the leases of an instance whose heartbeat stopped, and only those', async () => {
  const first = await queue('sender-a-000000000000');
  const second = await queue('sender-b-000000000000');
  await recordHeartbeat(database.db, 'ins_a', T0, true);
  await recordHeartbeat(database.db, 'ins_b', T0, true);
  expect(await claim('ins_a', T0)).toEqual([first]);
  expect(await claim('ins_b', T0)).toEqual([second]);

  await recordHeartbeat(database.db, 'ins_b', T0 + 5_000, false); // a went silent
  const [a] = (await listInstanceHeartbeats(database.db)).filter((i) => i.id === 'ins_a');
  expect(a).toEqual({ id: 'ins_a', heartbeatAt: T0 });
  expect(await releaseStoppedInstances(database.db, [a!])).toBe(1);
  // a's conversation is free long before its lease ends; b's is still leased.
  expect(await claim('ins_b', T0 + 5_000)).toEqual([first]);
  expect(await claim('ins_b', T0 + 5_000)).toEqual([]);
  expect(await releaseStoppedInstances(database.db, [a!])).toBe(0); // a is forgotten
});

it('keeps the leases of an instance that beat after it was seen stopped', async () => {
  const first = await queue('sender-a-000000000000');
  await recordHeartbeat(database.db, 'ins_a', T0, true);
  expect(await claim('ins_a', T0)).toEqual([first]);
  const [seen] = await listInstanceHeartbeats(database.db);
  await recordHeartbeat(database.db, 'ins_a', T0 + 1_000, false);
  expect(await releaseStoppedInstances(database.db, [seen!])).toBe(0);
  expect(await claim('ins_b', T0 + 1_000)).toEqual([]);
});

it('changes the heartbeat at every beat, even on a clock that stands still or steps back', async () => {
  await recordHeartbeat(database.db, 'ins_a', T0, true);
  await recordHeartbeat(database.db, 'ins_a', T0, false);
  expect(await listInstanceHeartbeats(database.db)).toEqual([{ id: 'ins_a', heartbeatAt: T0 + 1 }]);
  await recordHeartbeat(database.db, 'ins_a', T0 - 60_000, false);
  expect(await listInstanceHeartbeats(database.db)).toEqual([{ id: 'ins_a', heartbeatAt: T0 + 2 }]);
});

it('tells an instance taken for stopped that it was, when it beats again', async () => {
  expect(await recordHeartbeat(database.db, 'ins_a', T0, true)).toBe('alive');
  expect(await recordHeartbeat(database.db, 'ins_a', T0 + 1_000, false)).toBe('alive');
  await releaseStoppedInstances(database.db, await listInstanceHeartbeats(database.db));
  expect(await recordHeartbeat(database.db, 'ins_a', T0 + 6_000, false)).toBe('revived');
});

it('frees what an instance still holds when it leaves', async () => {
  const first = await queue('sender-a-000000000000');
  await recordHeartbeat(database.db, 'ins_a', T0, true);
  expect(await claim('ins_a', T0)).toEqual([first]);
  expect(await removeInstance(database.db, 'ins_a')).toBe(1);
  expect(await claim('ins_b', T0)).toEqual([first]);
});
