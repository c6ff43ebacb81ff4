import type { Kysely } from 'kysely';
import { appendEvents } from './append-events.js';
import { deliveryUpdated, toDelivery, type DeliveryRecord } from './records.js';
import type { Schema } from './schema.js';

/**
 * Schedules a delivered or failed delivery again, due now, with a fresh retry schedule.
 * Answers `pending` when it is still pending (nothing to do), undefined when it does not exist.
 */
export async function rescheduleDelivery(
  db: Kysely<Schema>,
  botId: string,
  deliveryId: string,
  now: number,
): Promise<DeliveryRecord | 'pending' | undefined> {
  return db.transaction().execute(async (trx) => {
    const result = await trx
      .updateTable('deliveries')
      .set({ status: 'pending', next_attempt_at: now, lease_until: null, round_attempt_count: 0, updated_at: now })
      .where('id', '=', deliveryId)
      .where('bot_id', '=', botId)
      .where('status', '!=', 'pending')
      .executeTakeFirst();
    const row = await trx.selectFrom('deliveries').selectAll().where('id', '=', deliveryId).where('bot_id', '=', botId).executeTakeFirst();
    if (!row) return undefined;
    if (Number(result.numUpdatedRows) !== 1) return 'pending';
    const delivery = toDelivery(row);
    await appendEvents(trx, [{ botId, senderId: delivery.senderId, record: deliveryUpdated(delivery, null, now) }]);
    return delivery;
  });
}
