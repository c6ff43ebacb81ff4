import type { Db } from './database.js';
import { toDelivery, type DeliveryRecord } from './records.js';

/** Where the previous page ended: deliveries are listed newest first, by (created_at, id). */
export interface DeliveryCursor {
  createdAt: number;
  id: string;
}

export async function listDeliveries(
  db: Db,
  query: { botId: string; status?: DeliveryRecord['status']; senderId?: string; after?: DeliveryCursor; limit: number },
): Promise<DeliveryRecord[]> {
  let select = db.selectFrom('deliveries').selectAll().where('bot_id', '=', query.botId);
  if (query.status) select = select.where('status', '=', query.status);
  if (query.senderId) select = select.where('sender_id', '=', query.senderId);
  const after = query.after;
  if (after) {
    select = select.where((eb) =>
      eb.or([eb('created_at', '<', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)])]),
    );
  }
  const rows = await select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
  return rows.map(toDelivery);
}
