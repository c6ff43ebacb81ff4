/** Group commit: what a unit of write work may rely on when it shares a transaction with others. */
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, sql, SqliteDialect } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGroupCommit } from '../../server/store/group-commit.js';

interface TestSchema {
  parents: { id: number };
  children: { id: number; parent_id: number };
}

let db: Kysely<TestSchema>;
/** Every statement sent to the connection, and the moments units settled, in order. */
let events: string[];

beforeEach(async () => {
  events = [];
  const sqlite = new BetterSqlite3(':memory:');
  sqlite.pragma('foreign_keys = ON');
  db = new Kysely<TestSchema>({
    dialect: new SqliteDialect({ database: sqlite }),
    log: (event) => {
      if (event.level === 'query') events.push(event.query.sql.split(' ')[0]!.toLowerCase());
    },
  });
  await sql`create table parents (id integer primary key)`.execute(db);
  // Checked at COMMIT, not at the insert: the way to make a commit itself fail.
  await sql`create table children (id integer primary key, parent_id integer not null references parents (id) deferrable initially deferred)`.execute(db);
  events = [];
});
afterEach(async () => db.destroy());

const insertParent = (id: number) => async (trx: Kysely<TestSchema>) => {
  await trx.insertInto('parents').values({ id }).execute();
  return id;
};
const parentIds = async () => (await db.selectFrom('parents').select('id').orderBy('id').execute()).map((r) => r.id);

describe('group commit', () => {
  it('commits units submitted together in one transaction', async () => {
    const writes = createGroupCommit(db, { maxBatch: 100 });
    expect(await Promise.all([1, 2, 3, 4, 5].map((id) => writes.run(insertParent(id))))).toEqual([1, 2, 3, 4, 5]);
    expect(events.filter((e) => e === 'begin')).toHaveLength(1);
    expect(events.filter((e) => e === 'commit')).toHaveLength(1);
    expect(await parentIds()).toEqual([1, 2, 3, 4, 5]);
  });

  it('settles a unit only after its transaction has committed', async () => {
    const writes = createGroupCommit(db, { maxBatch: 100 });
    await Promise.all([1, 2].map((id) => writes.run(insertParent(id)).then(() => events.push(`settled ${id}`))));
    expect(events.slice(events.indexOf('commit'))).toEqual(['commit', 'settled 1', 'settled 2']);
  });

  it('runs units in the order submitted, each seeing the writes of those before it', async () => {
    const writes = createGroupCommit(db, { maxBatch: 100 });
    const seen = await Promise.all(
      [1, 2, 3].map((id) =>
        writes.run(async (trx) => {
          await trx.insertInto('parents').values({ id }).execute();
          return (await trx.selectFrom('parents').select('id').orderBy('id').execute()).map((r) => r.id);
        }),
      ),
    );
    expect(seen).toEqual([[1], [1, 2], [1, 2, 3]]);
  });

  it('rolls back a failing unit alone: the others of its batch commit', async () => {
    const writes = createGroupCommit(db, { maxBatch: 100 });
    const failure = new Error('the bot failed');
    const results = await Promise.allSettled([
      writes.run(insertParent(1)),
      writes.run(async (trx) => {
        await trx.insertInto('parents').values({ id: 2 }).execute();
        throw failure;
      }),
      writes.run(insertParent(1)), // a constraint violation: id 1 exists
      writes.run(insertParent(3)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBe(failure);
    expect(String((results[2] as PromiseRejectedResult).reason)).toMatch(/UNIQUE constraint/);
    expect(events.filter((e) => e === 'commit')).toHaveLength(1);
    expect(await parentIds()).toEqual([1, 3]);
  });

  it('fails every unit of a batch whose commit fails, and keeps none of its writes', async () => {
    const writes = createGroupCommit(db, { maxBatch: 100 });
    const results = await Promise.allSettled([
      writes.run(insertParent(1)),
      writes.run(async (trx) => {
        await trx.insertInto('children').values({ id: 1, parent_id: 99 }).execute();
      }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/FOREIGN KEY constraint/);
    expect(await parentIds()).toEqual([]);
    // The store is usable again afterwards.
    await writes.run(insertParent(2));
    expect(await parentIds()).toEqual([2]);
  });

  it('puts at most maxBatch units in one transaction', async () => {
    const writes = createGroupCommit(db, { maxBatch: 2 });
    await Promise.all([1, 2, 3, 4, 5].map((id) => writes.run(insertParent(id))));
    expect(events.filter((e) => e === 'commit')).toHaveLength(3);
    expect(await parentIds()).toEqual([1, 2, 3, 4, 5]);
  });

  it('lets queued units commit before close resolves, and refuses units after it', async () => {
    const writes = createGroupCommit(db, { maxBatch: 1 });
    const queued = [1, 2, 3].map((id) => writes.run(insertParent(id)));
    expect(writes.pending()).toBe(3);
    await writes.close();
    expect(writes.pending()).toBe(0);
    await Promise.all(queued);
    expect(await parentIds()).toEqual([1, 2, 3]);
    await expect(writes.run(insertParent(4))).rejects.toThrow(/closing/);
  });

  describe('with a deferred sync (SQLite: the disk waited for off the event loop)', () => {
    /** A sync the test completes by hand; `relax`/`restore` are logged among the statements. */
    function manualSync() {
      const waiting: Array<{ resolve(): void; reject(error: Error): void }> = [];
      return {
        waiting,
        deferredSync: {
          relax: async () => void events.push('relax'),
          restore: async () => void events.push('restore'),
          sync: () => new Promise<void>((resolve, reject) => (events.push('sync'), waiting.push({ resolve, reject }))),
        },
      };
    }
    const until = async (condition: () => boolean) => {
      for (let i = 0; i < 1000 && !condition(); i++) await new Promise((resolve) => setImmediate(resolve));
      expect(condition()).toBe(true);
    };

    it('settles units only once the sync after their commit has resolved', async () => {
      const { waiting, deferredSync } = manualSync();
      const writes = createGroupCommit(db, { maxBatch: 100, deferredSync });
      const settled = [1, 2].map((id) => writes.run(insertParent(id)).then(() => events.push(`settled ${id}`)));
      await until(() => waiting.length === 1);
      expect(events).toEqual(['relax', 'begin', 'savepoint', 'insert', 'release', 'savepoint', 'insert', 'release', 'commit', 'restore', 'sync']);
      expect(writes.pending()).toBe(2);
      waiting[0]!.resolve();
      await Promise.all(settled);
      expect(events.slice(-2)).toEqual(['settled 1', 'settled 2']);
    });

    it('commits the next batch while the previous one waits for its sync', async () => {
      const { waiting, deferredSync } = manualSync();
      const writes = createGroupCommit(db, { maxBatch: 1, deferredSync });
      const first = writes.run(insertParent(1));
      const second = writes.run(insertParent(2));
      await until(() => waiting.length === 2);
      expect(events.filter((e) => e === 'commit')).toHaveLength(2);
      waiting[0]!.resolve();
      waiting[1]!.resolve();
      expect(await Promise.all([first, second])).toEqual([1, 2]);
    });

    it('fails the units a failed sync leaves in doubt, and those that failed by themselves with their own error', async () => {
      const { waiting, deferredSync } = manualSync();
      const writes = createGroupCommit(db, { maxBatch: 100, deferredSync });
      const own = new Error('the bot failed');
      const results = Promise.allSettled([
        writes.run(insertParent(1)),
        writes.run(async () => {
          throw own;
        }),
      ]);
      await until(() => waiting.length === 1);
      const diskError = new Error('EIO: i/o error, fdatasync');
      waiting[0]!.reject(diskError);
      expect((await results).map((r) => (r as PromiseRejectedResult).reason)).toEqual([diskError, own]);
    });

    it('lets close wait for the sync of the last batch', async () => {
      const { waiting, deferredSync } = manualSync();
      const writes = createGroupCommit(db, { maxBatch: 100, deferredSync });
      const unit = writes.run(insertParent(1));
      await until(() => waiting.length === 1);
      let closed = false;
      const closing = writes.close().then(() => (closed = true));
      await new Promise((resolve) => setImmediate(resolve));
      expect(closed).toBe(false);
      waiting[0]!.resolve();
      await closing;
      expect(await unit).toBe(1);
    });
  });
});
