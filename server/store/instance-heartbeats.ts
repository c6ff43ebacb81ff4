/**
 * The instances sharing a PostgreSQL database (`instances`, migration 0010): each writes a
 * heartbeat, and each lease names the instance whose claim took it (`delivery_heads.leased_by`),
 * so the leases of an instance whose heartbeat stopped (killed, frozen, cut off from the
 * database) are freed by the others as soon as they see it, instead of after each lease's own
 * end. Times are the instances' clocks, like the leases' (`now` is a parameter, never `now()`).
 */
import type { Db } from './database.js';

/**
 * The instance is alive at `now`: its row is created or refreshed. Answers whether the row was
 * missing although the instance had beaten before (`revived`): the others took it for stopped
 * and freed its leases meanwhile.
 */
export async function recordHeartbeat(db: Db, instanceId: string, now: number, first: boolean): Promise<'alive' | 'revived'> {
  const updated = await db.updateTable('instances').set({ heartbeat_at: now }).where('id', '=', instanceId).executeTakeFirst();
  if (Number(updated.numUpdatedRows) > 0) return 'alive';
  await db
    .insertInto('instances')
    .values({ id: instanceId, started_at: now, heartbeat_at: now })
    .onConflict((oc) => oc.column('id').doUpdateSet({ heartbeat_at: now }))
    .execute();
  return first ? 'alive' : 'revived';
}

/**
 * Frees the leases held by instances whose latest heartbeat is older than `staleBefore`, and
 * forgets those instances. Each freed head is ready at its delivery's own next attempt time, so
 * what was in flight is sent again (at least once). Answers how many leases were freed.
 */
export async function releaseStoppedInstances(db: Db, staleBefore: number): Promise<number> {
  const stopped = await db.selectFrom('instances').select('id').where('heartbeat_at', '<', staleBefore).execute();
  if (stopped.length === 0) return 0;
  const ids = stopped.map((row) => row.id);
  const freed = await releaseLeasesOf(db, ids);
  // Only those still stale: one that beat again meanwhile keeps its row (its leases are gone either way).
  await db.deleteFrom('instances').where('id', 'in', ids).where('heartbeat_at', '<', staleBefore).execute();
  return freed;
}

/** An instance that stops for good (a graceful shutdown): frees its leases and forgets it. Answers how many leases were freed. */
export async function removeInstance(db: Db, instanceId: string): Promise<number> {
  const freed = await releaseLeasesOf(db, [instanceId]);
  await db.deleteFrom('instances').where('id', '=', instanceId).execute();
  return freed;
}

async function releaseLeasesOf(db: Db, instanceIds: string[]): Promise<number> {
  const result = await db
    .updateTable('delivery_heads')
    .set((eb) => ({
      lease_until: null,
      leased_by: null,
      ready_at: eb.selectFrom('deliveries as d').select('d.next_attempt_at').whereRef('d.id', '=', 'delivery_heads.delivery_id'),
    }))
    .where('leased_by', 'in', instanceIds)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
