import { engineOf, type Db } from './database.js';
import { retryWriteConflicts } from './store-errors.js';

/**
 * Removes the configuration and its secrets (the current one and those still signing); answers
 * whether there was one. Deliveries stay, held.
 *
 * The channel row is locked first (PostgreSQL `FOR UPDATE`; SQLite's `begin immediate` holds the
 * one write lock already), as a rotation locks it: a rotation running meanwhile on another
 * instance either commits before the delete reads the replaced secrets (they go too), or finds
 * no channel. Without the lock the delete missed the secret a rotation was still inserting, and
 * that secret signed the deliveries of a channel configured again later.
 */
export async function deleteChannel(db: Db, botId: string): Promise<boolean> {
  return retryWriteConflicts(() => db.transaction().execute(async (trx) => {
    const channel = await trx
      .selectFrom('channels')
      .select('bot_id')
      .where('bot_id', '=', botId)
      .$if(engineOf(trx) === 'postgres', (q) => q.forUpdate())
      .executeTakeFirst();
    // A channel configured again later gets a new secret; none of these may sign its deliveries
    // (they go even without a channel row: nothing of an earlier channel may outlive it).
    await trx.deleteFrom('previous_secrets').where('bot_id', '=', botId).execute();
    if (!channel) return false;
    await trx.deleteFrom('channels').where('bot_id', '=', botId).execute();
    return true;
  }));
}
