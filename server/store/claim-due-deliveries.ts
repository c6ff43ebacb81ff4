import { sql, type Kysely } from 'kysely';
import { openSecret } from '../credentials/secret-box.js';
import { engineOf } from './database.js';
import type { Schema } from './schema.js';
import { toDelivery, type DeliveryRecord } from './records.js';

export interface ClaimedDelivery
  extends Pick<DeliveryRecord, 'id' | 'botId' | 'conversationId' | 'senderId' | 'messageId' | 'webhookId' | 'messageCounter' | 'event'> {
  /** This attempt's number over the delivery's life, 1-based. */
  attemptNumber: number;
  /** This attempt's number since the delivery was last (re)scheduled, 1-based: the retry schedule's index. */
  roundAttemptNumber: number;
  channel: { url: string; verifyToken: string | null; secret: string; previousSecret: string | null; previousExpiresAt: number | null };
}

/**
 * Claims due deliveries for one attempt each, in one transaction: a delivery is due when it is
 * pending, its next attempt time has come, no lease holds it (or the lease expired: its worker
 * died), its bot's channel is active, and no earlier pending delivery of its conversation exists,
 * so a failing head blocks its own conversation and nothing else. The claim bumps the attempt
 * counters and takes a lease of `leaseMs`.
 */
export async function claimDueDeliveries(
  db: Kysely<Schema>,
  opts: { now: number; leaseMs: number; limit: number },
): Promise<ClaimedDelivery[]> {
  const { now, leaseMs, limit } = opts;
  return db.transaction().execute(async (trx) => {
    // Active channels first (CROSS JOIN fixes SQLite's join order): deliveries held for a
    // disabled or missing channel are never read, however many there are.
    const due = await trx
      .selectFrom('channels as c')
      .crossJoin('deliveries as d')
      .select('d.id')
      .where('c.status', '=', 'active')
      .whereRef('d.bot_id', '=', 'c.bot_id')
      .where('d.status', '=', 'pending')
      .where('d.next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('d.lease_until', 'is', null), eb('d.lease_until', '<=', now)]))
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('deliveries as e')
              .select(sql<number>`1`.as('one'))
              .whereRef('e.conversation_id', '=', 'd.conversation_id')
              .where('e.status', '=', 'pending')
              .whereRef('e.message_counter', '<', 'd.message_counter'),
          ),
        ),
      )
      .orderBy('d.next_attempt_at')
      .orderBy('d.message_counter')
      .limit(limit)
      // PostgreSQL, several instances claiming at once: each takes rows the others have not
      // locked; a row another claim updated meanwhile is re-checked (its lease is then set).
      .$if(engineOf(trx) === 'postgres', (q) => q.forUpdate('d').skipLocked())
      .execute();
    if (due.length === 0) return [];
    const ids = due.map((row) => row.id);

    await trx
      .updateTable('deliveries')
      .set((eb) => ({
        attempt_count: eb('attempt_count', '+', 1),
        round_attempt_count: eb('round_attempt_count', '+', 1),
        lease_until: now + leaseMs,
        updated_at: now,
      }))
      .where('id', 'in', ids)
      .execute();

    const rows = await trx
      .selectFrom('deliveries as d')
      .innerJoin('channels as c', 'c.bot_id', 'd.bot_id')
      .selectAll('d')
      .select(['c.url', 'c.verify_token', 'c.secret', 'c.previous_secret', 'c.previous_expires_at'])
      .where('d.id', 'in', ids)
      .orderBy('d.next_attempt_at')
      .orderBy('d.message_counter')
      .execute();
    return rows.map((row) => {
      const { id, botId, conversationId, senderId, messageId, webhookId, messageCounter, event, attemptCount } = toDelivery(row);
      return {
        id, botId, conversationId, senderId, messageId, webhookId, messageCounter, event,
        attemptNumber: attemptCount,
        roundAttemptNumber: Number(row.round_attempt_count),
        channel: {
          url: row.url,
          verifyToken: openSecret(row.verify_token),
          secret: openSecret(row.secret),
          previousSecret: openSecret(row.previous_secret),
          previousExpiresAt: row.previous_expires_at === null ? null : Number(row.previous_expires_at),
        },
      };
    });
  });
}
