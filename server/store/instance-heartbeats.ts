/**
 * The instances sharing a PostgreSQL database (`instances`, migration 0010): each writes a
 * heartbeat, and each lease names the instance whose claim took it (`delivery_heads.leased_by`),
 * so the leases of an instance whose heartbeat stopped (killed, frozen, cut off from the
 * database) are freed by the others as soon as they see it, instead of after each lease's own
 * end. A heartbeat is the instance's own clock (`now` is a parameter, never `now()`), and the
 * others only watch it change: how long it has not changed is counted on the watcher's clock
 * (delivery/heartbeat.ts), so instances whose clocks disagree never take each other for stopped.
 */
import type { Db } from './database.js';
import { releaseLeases } from './release-leases.js';

/**
 * The instance is alive at `now`: its row is created or refreshed (to `now`, or one more than it
 * held if that was not before `now`). Answers whether the row was
 * missing although the instance had beaten before (`revived`): the others took it for stopped
 * and freed its leases meanwhile.
 */
export async function recordHeartbeat(db: Db, instanceId: string, now: number, first: boolean): Promise<'alive' | 'revived'> {
  // Every beat changes the value, even on a clock that stood still or stepped back: the others
  // watch it change, not what it says.
  const updated = await db
    .updateTable('instances')
    .set((eb) => ({ heartbeat_at: eb.case().when('heartbeat_at', '>=', now).then(eb('heartbeat_at', '+', 1)).else(now).end() }))
    .where('id', '=', instanceId)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) > 0) return 'alive';
  await db
    .insertInto('instances')
    .values({ id: instanceId, started_at: now, heartbeat_at: now })
    .onConflict((oc) => oc.column('id').doUpdateSet({ heartbeat_at: now }))
    .execute();
  return first ? 'alive' : 'revived';
}

/** An instance's latest heartbeat, as it wrote it (its own clock). */
export interface InstanceHeartbeat {
  id: string;
  heartbeatAt: number;
}

/** Every instance's latest heartbeat (the watcher compares each with what it saw before). */
export async function listInstanceHeartbeats(db: Db): Promise<InstanceHeartbeat[]> {
  const rows = await db.selectFrom('instances').select(['id', 'heartbeat_at']).execute();
  return rows.map((row) => ({ id: row.id, heartbeatAt: Number(row.heartbeat_at) }));
}

/**
 * Forgets each instance whose heartbeat is still the one given (it did not beat since it was
 * seen stopped) and frees the leases it held. Each freed head is ready at its delivery's own
 * next attempt time, so what was in flight is sent again (at least once). An instance that beat
 * meanwhile keeps its row and its leases. Answers how many leases were freed.
 */
export async function releaseStoppedInstances(db: Db, stopped: readonly InstanceHeartbeat[]): Promise<number> {
  const gone: string[] = [];
  for (const { id, heartbeatAt } of stopped) {
    const deleted = await db.deleteFrom('instances').where('id', '=', id).where('heartbeat_at', '=', heartbeatAt).executeTakeFirst();
    if (Number(deleted.numDeletedRows) > 0) gone.push(id);
  }
  return gone.length === 0 ? 0 : releaseLeases(db, gone);
}

/** An instance that stops for good (a graceful shutdown): frees its leases and forgets it. Answers how many leases were freed. */
export async function removeInstance(db: Db, instanceId: string): Promise<number> {
  const freed = await releaseLeases(db, [instanceId]);
  await db.deleteFrom('instances').where('id', '=', instanceId).execute();
  return freed;
}
