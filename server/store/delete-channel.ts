import type { Db } from './database.js';

/** Removes the configuration and its secret; answers whether there was one. Deliveries stay, held. */
export async function deleteChannel(db: Db, botId: string): Promise<boolean> {
  const result = await db.deleteFrom('channels').where('bot_id', '=', botId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
