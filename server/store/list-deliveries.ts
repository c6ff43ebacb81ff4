import type { Db } from './database.js';
import { toDelivery, type DeliveryRecord } from './records.js';

/**
 * Where the previous page ended. Deliveries are listed newest first, by (created_at,
 * message_counter, id): the bot messages of one turn share created_at, and then list in their
 * conversation's order (issue 10, item 10); the id breaks the last ties, across conversations.
 */
export interface DeliveryCursor {
  createdAt: number;
  messageCounter: number;
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
      eb.or([
        eb('created_at', '<', after.createdAt),
        eb.and([eb('created_at', '=', after.createdAt), eb('message_counter', '<', after.messageCounter)]),
        eb.and([eb('created_at', '=', after.createdAt), eb('message_counter', '=', after.messageCounter), eb('id', '<', after.id)]),
      ]),
    );
  }
  const rows = await select.orderBy('created_at', 'desc').orderBy('message_counter', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
  return rows.map(toDelivery);
}
