import { sql } from 'kysely';
import { engineOf, type Db } from './database.js';
import { addHeads } from './delivery-heads.js';
import { DELIVERIES_CHANNEL } from './delivery-wakeups.js';
import type { DeliveryRecord } from './records.js';

export type NewDelivery = Pick<DeliveryRecord, 'id' | 'botId' | 'conversationId' | 'senderId' | 'messageId' | 'webhookId' | 'messageCounter' | 'event'>;

/**
 * Queues deliveries, due now. Called in the transaction that stores their messages (the outbox),
 * in counter order within each conversation. On PostgreSQL it also notifies every instance
 * listening (`listenForDeliveries`): PostgreSQL sends the notification at commit, and only if the
 * transaction commits.
 */
export async function enqueueDeliveries(db: Db, deliveries: NewDelivery[], now: number): Promise<void> {
  if (deliveries.length === 0) return;
  await db
    .insertInto('deliveries')
    .values(
      deliveries.map((d) => ({
        id: d.id,
        bot_id: d.botId,
        conversation_id: d.conversationId,
        sender_id: d.senderId,
        message_id: d.messageId,
        webhook_id: d.webhookId,
        message_counter: d.messageCounter,
        event: JSON.stringify(d.event),
        status: 'pending' as const,
        attempt_count: 0,
        round_attempt_count: 0,
        next_attempt_at: now,
        last_attempt_at: null,
        last_status_code: null,
        created_at: now,
        updated_at: now,
      })),
    )
    .execute();
  // The first new delivery of each conversation heads it, unless something earlier is pending.
  const firsts = new Map<string, NewDelivery>();
  for (const d of deliveries) {
    const seen = firsts.get(d.conversationId);
    if (!seen || d.messageCounter < seen.messageCounter) firsts.set(d.conversationId, d);
  }
  await addHeads(db, [...firsts.values()].map((d) => ({ conversationId: d.conversationId, botId: d.botId, deliveryId: d.id })), now);
  if (engineOf(db) === 'postgres') await sql`SELECT pg_notify(${DELIVERIES_CHANNEL}, '')`.execute(db);
}
