import type { Kysely } from 'kysely';
import { refreshHead } from './delivery-heads.js';
import { lockConversations } from './lock-conversations.js';
import { appendEvents } from './append-events.js';
import { deliveryUpdated, toDelivery, type DeliveryRecord } from './records.js';
import type { Schema } from './schema.js';
import { retryWriteConflicts } from './store-errors.js';

/**
 * Redelivery: the delivery is due now, with a fresh retry schedule, whatever its status. A
 * delivered or failed one is pending again; a pending one waiting out a backoff is attempted now
 * instead. Order still holds: it goes out when it heads its conversation, and while an attempt
 * of its conversation is in flight, after that attempt ends (one in flight per conversation).
 * Undefined when the delivery does not exist for this bot.
 */
export async function rescheduleDelivery(db: Kysely<Schema>, botId: string, deliveryId: string, now: number): Promise<DeliveryRecord | undefined> {
  return retryWriteConflicts(() => db.transaction().execute(async (trx) => {
    const found = await trx.selectFrom('deliveries').select('conversation_id').where('id', '=', deliveryId).where('bot_id', '=', botId).executeTakeFirst();
    if (!found) return undefined;
    // Before changing what the conversation has pending: an accept queuing answers in it commits before, or waits.
    await lockConversations(trx, [found.conversation_id]);
    const row = await trx
      .updateTable('deliveries')
      .set({ status: 'pending', next_attempt_at: now, round_attempt_count: 0, updated_at: now })
      .where('id', '=', deliveryId)
      .where('bot_id', '=', botId)
      .returningAll()
      .executeTakeFirst();
    if (!row) return undefined;
    await refreshHead(trx, row.conversation_id);
    const delivery = toDelivery(row);
    await appendEvents(trx, [{ botId, senderId: delivery.senderId, record: deliveryUpdated(delivery, null, now) }]);
    return delivery;
  }));
}
