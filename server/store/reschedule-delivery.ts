import type { Db } from './database.js';
import { toDelivery, type DeliveryRecord } from './records.js';

/**
 * Schedules a delivered or failed delivery again, due now, with a fresh retry schedule.
 * Answers `pending` when it is still pending (nothing to do), undefined when it does not exist.
 */
export async function rescheduleDelivery(
  db: Db,
  botId: string,
  deliveryId: string,
  now: number,
): Promise<DeliveryRecord | 'pending' | undefined> {
  const result = await db
    .updateTable('deliveries')
    .set({ status: 'pending', next_attempt_at: now, lease_until: null, round_attempt_count: 0, updated_at: now })
    .where('id', '=', deliveryId)
    .where('bot_id', '=', botId)
    .where('status', '!=', 'pending')
    .executeTakeFirst();
  const row = await db.selectFrom('deliveries').selectAll().where('id', '=', deliveryId).where('bot_id', '=', botId).executeTakeFirst();
  if (!row) return undefined;
  return Number(result.numUpdatedRows) === 1 ? toDelivery(row) : 'pending';
}
