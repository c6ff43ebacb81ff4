import type { Db } from './database.js';

/**
 * When the worker has something to do next: the earliest due time among pending deliveries of
 * active channels (a leased one counts at its lease's end), or null when there is none.
 */
export async function nextDueAt(db: Db): Promise<number | null> {
  const row = await db
    // Active channels first, as in the claim: held deliveries are not read.
    .selectFrom('channels as c')
    .crossJoin('deliveries as d')
    .where('c.status', '=', 'active')
    .whereRef('d.bot_id', '=', 'c.bot_id')
    .select((eb) =>
      eb.fn
        .min(
          // A NULL lease compares as unknown, so the CASE falls through to next_attempt_at.
          eb.case().when('d.lease_until', '>', eb.ref('d.next_attempt_at')).then(eb.ref('d.lease_until')).else(eb.ref('d.next_attempt_at')).end(),
        )
        .as('due'),
    )
    .where('d.status', '=', 'pending')
    .executeTakeFirst();
  return row?.due === null || row?.due === undefined ? null : Number(row.due);
}
