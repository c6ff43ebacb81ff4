import type { Db } from './database.js';

/**
 * Frees every lease: for a store one process owns (SQLite), whose leases at start can only be
 * those of a run that died, so what was in flight is sent again at once instead of after its
 * lease runs out. Each head is then ready at its own next attempt time. Answers how many were freed.
 */
export async function releaseLeases(db: Db): Promise<number> {
  const result = await db
    .updateTable('delivery_heads')
    .set((eb) => ({
      lease_until: null,
      leased_by: null,
      ready_at: eb.selectFrom('deliveries as d').select('d.next_attempt_at').whereRef('d.id', '=', 'delivery_heads.delivery_id'),
    }))
    .where('lease_until', 'is not', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
