import type { Db } from './database.js';

/** Creates the bot, or replaces its API token's hash. */
export async function saveBot(db: Db, bot: { id: string; tokenHash: string; now: number }): Promise<void> {
  await db
    .insertInto('bots')
    .values({ id: bot.id, token_hash: bot.tokenHash, created_at: bot.now })
    .onConflict((oc) => oc.column('id').doUpdateSet({ token_hash: bot.tokenHash }))
    .execute();
}
