import type { Db } from './database.js';

/**
 * Frees leases, each head then ready at its own next attempt time. Answers how many were freed.
 * - No `heldBy`: every lease, for a store one process owns (SQLite), whose leases at start can only
 *   be those of a run that died, so what was in flight is sent again at once instead of after its
 *   lease runs out.
 * - `heldBy`: the leases those instances took (`delivery_heads.leased_by`), on PostgreSQL, when
 *   their heartbeat stopped or they stop for good (instance-heartbeats.ts).
 */
export async function releaseLeases(db: Db, heldBy?: string[]): Promise<number> {
  const result = await db
    .updateTable('delivery_heads')
    .set((eb) => ({
      lease_until: null,
      leased_by: null,
      ready_at: eb.selectFrom('deliveries as d').select('d.next_attempt_at').whereRef('d.id', '=', 'delivery_heads.delivery_id'),
    }))
    .where((eb) => (heldBy === undefined ? eb('lease_until', 'is not', null) : eb('leased_by', 'in', heldBy)))
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
