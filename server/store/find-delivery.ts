import type { Db } from './database.js';
import { toAttempt, toDelivery, type AttemptRecord, type DeliveryRecord } from './records.js';

/** A delivery of this bot with every attempt, oldest first. */
export async function findDelivery(
  db: Db,
  botId: string,
  deliveryId: string,
): Promise<(DeliveryRecord & { attempts: AttemptRecord[] }) | undefined> {
  const row = await db.selectFrom('deliveries').selectAll().where('id', '=', deliveryId).where('bot_id', '=', botId).executeTakeFirst();
  if (!row) return undefined;
  const attempts = await db.selectFrom('attempts').selectAll().where('delivery_id', '=', deliveryId).orderBy('number').execute();
  return { ...toDelivery(row), attempts: attempts.map(toAttempt) };
}
