import { sql } from 'kysely';
import type { Db } from './database.js';

/**
 * How many of the bot's pending deliveries are due at `now` (blocked behind their conversation's
 * head or not), counting no further than `atMost`: the cost is bounded by the bound, not by the
 * backlog (the partial index of migration 0002).
 */
export async function countDueDeliveries(db: Db, botId: string, now: number, atMost: number): Promise<number> {
  const { count } = await db
    .selectFrom(
      db
        .selectFrom('deliveries')
        .select(sql<number>`1`.as('one'))
        .where('bot_id', '=', botId)
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', now)
        .limit(atMost)
        .as('due'),
    )
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirstOrThrow();
  return Number(count);
}
