import type { Db } from './database.js';

/**
 * When the worker has something to do next: the earliest time a conversation head of an active
 * channel becomes claimable (its next attempt, or its lease's end), or null when there is none.
 * Deliveries waiting behind a head are not due, however old: the head's attempt wakes the
 * worker. One index lookup per active channel (`delivery_heads_bot_ready`).
 */
export async function nextDueAt(db: Db): Promise<number | null> {
  const rows = await db
    .selectFrom('channels as c')
    .where('c.status', '=', 'active')
    .select((eb) =>
      eb
        .selectFrom('delivery_heads as h')
        .whereRef('h.bot_id', '=', 'c.bot_id')
        .select((inner) => inner.fn.min('h.ready_at').as('ready'))
        .as('due'),
    )
    .execute();
  let next: number | null = null;
  for (const { due } of rows) {
    if (due === null || due === undefined) continue;
    const at = Number(due);
    if (next === null || at < next) next = at;
  }
  return next;
}
