import type { Db } from './database.js';

/**
 * Deletes up to `limit` deliveries that succeeded before `before` (ms), with their attempts, in
 * one transaction. Answers how many deliveries went: fewer than `limit` means none are left.
 * Pending and failed deliveries are never deleted: they are still to be sent or redelivered.
 */
export async function purgeDeliveredDeliveries(db: Db, input: { before: number; limit: number }): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const ids = (
      await trx
        .selectFrom('deliveries')
        .select('id')
        .where('status', '=', 'succeeded')
        .where('updated_at', '<', input.before)
        .limit(input.limit)
        .execute()
    ).map((row) => row.id);
    if (ids.length === 0) return 0;
    await trx.deleteFrom('attempts').where('delivery_id', 'in', ids).execute();
    await trx.deleteFrom('deliveries').where('id', 'in', ids).execute();
    return ids.length;
  });
}
