import type { Db } from './database.js';

/** Removes the configuration and its secrets (the current one and those still signing); answers whether there was one. Deliveries stay, held. */
export async function deleteChannel(db: Db, botId: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    // A channel configured again later gets a new secret; none of these may sign its deliveries.
    await trx.deleteFrom('previous_secrets').where('bot_id', '=', botId).execute();
    const result = await trx.deleteFrom('channels').where('bot_id', '=', botId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  });
}
