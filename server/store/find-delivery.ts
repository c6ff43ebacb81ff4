import type { Db } from './database.js';
import { toAttempt, toDelivery, type AttemptRecord, type DeliveryRecord } from './records.js';

/** At most this many attempts are listed with a delivery (the spec's maxItems): the latest ones. */
export const LISTED_ATTEMPTS = 100;

/** A delivery of this bot with its latest {@link LISTED_ATTEMPTS} attempts, oldest first. */
export async function findDelivery(
  db: Db,
  botId: string,
  deliveryId: string,
): Promise<(DeliveryRecord & { attempts: AttemptRecord[] }) | undefined> {
  const row = await db.selectFrom('deliveries').selectAll().where('id', '=', deliveryId).where('bot_id', '=', botId).executeTakeFirst();
  if (!row) return undefined;
  const latest = await db
    .selectFrom('attempts')
    .selectAll()
    .where('delivery_id', '=', deliveryId)
    .orderBy('number', 'desc')
    .limit(LISTED_ATTEMPTS)
    .execute();
  return { ...toDelivery(row), attempts: latest.reverse().map(toAttempt) };
}
