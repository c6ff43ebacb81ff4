/**
 * A channel is configured (PUT) on one instance while another deletes it. Found by the
 * attacker: concurrent PUTs and DELETEs on two instances answered PUT with 500 (a TypeError),
 * because the saved row was read back after the save had committed, when the delete had already
 * removed it. Deterministic: right after the save's upsert runs, instance B deletes the channel
 * (or waits to, if the upsert's transaction holds the row), then the save goes on.
 */
import { sql, type KyselyPlugin, type PluginTransformQueryArgs, type PluginTransformResultArgs, type QueryResult, type RootOperationNode, type UnknownRow } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { deleteChannel, findChannel, saveChannel, type Database } from '../../server/store/index.js';
import { openTwoInstances, type TwoInstances } from '../support/two-instances.js';
import { waitFor } from '../support/wait-for.js';

const T0 = Date.parse('2026-11-29T10:00:00Z');
const input = { botId: 'demo', url: 'https://bots.example.com/hook', verifyToken: 'token-token', newId: 'chn_01JD8X2A5B7C9D1E3F5G7H9J1K', newSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', now: T0 };

let instances: TwoInstances;
let a: Database;
let b: Database;

beforeEach(async () => {
  instances = await openTwoInstances('save-delete-race');
  ({ a, b } = instances);
});
afterEach(() => instances?.close());

/** Runs `between` once, right after the first INSERT INTO channels has run on the database it is added to. */
function afterChannelInsert(between: () => Promise<void>): KyselyPlugin {
  const inserts = new WeakSet<object>();
  let done = false;
  return {
    transformQuery({ node, queryId }: PluginTransformQueryArgs): RootOperationNode {
      if (node.kind === 'InsertQueryNode' && node.into?.table.identifier.name === 'channels') inserts.add(queryId);
      return node;
    },
    async transformResult({ result, queryId }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
      if (inserts.has(queryId) && !done) {
        done = true;
        await between();
      }
      return result;
    },
  };
}

const waitsOnLock = async () => {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(b.db);
  return rows[0]!.n > 0;
};

it('answers the channel it saved, and a delete at the same moment comes before or after it, whole', async () => {
  await saveChannel(a.db, input);
  let deleting: Promise<boolean> | undefined;
  const racing = a.db.withPlugin(
    afterChannelInsert(async () => {
      let settled = false;
      deleting = deleteChannel(b.db, 'demo').finally(() => {
        settled = true;
      });
      deleting.catch(() => undefined);
      await waitFor(async () => settled || (await waitsOnLock()), { what: 'the delete to finish or to wait on the save' });
    }),
  );

  const saved = await saveChannel(racing, { ...input, url: 'https://bots.example.com/hook-2' });

  expect(saved).toMatchObject({ botId: 'demo', url: 'https://bots.example.com/hook-2', status: 'active' });
  expect(await deleting).toBe(true);
  expect(await findChannel(a.db, 'demo')).toBeUndefined();
});
