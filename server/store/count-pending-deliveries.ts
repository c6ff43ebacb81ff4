import type { Db } from './database.js';

/** The queue depth: deliveries not yet delivered nor given up, held ones included. */
export async function countPendingDeliveries(db: Db): Promise<number> {
  const { count } = await db
    .selectFrom('deliveries')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('status', '=', 'pending')
    .executeTakeFirstOrThrow();
  return Number(count);
}
