import { isSealed } from '../credentials/secret-box.js';
import type { Db } from './database.js';

/**
 * Seals the channels' secrets stored in clear (saved before a key was configured), so that
 * configuring `SECRETS_KEY` protects what is already there too. Answers how many channels changed.
 */
export async function sealChannelSecrets(db: Db, seal: (clear: string) => string): Promise<number> {
  const rows = await db.selectFrom('channels').select(['bot_id', 'verify_token', 'secret', 'previous_secret']).execute();
  let sealed = 0;
  for (const row of rows) {
    const open = (value: string | null) => value !== null && !isSealed(value);
    if (!open(row.verify_token) && !open(row.secret) && !open(row.previous_secret)) continue;
    const sealIfOpen = (value: string | null) => (value !== null && !isSealed(value) ? seal(value) : value);
    await db
      .updateTable('channels')
      .set({ verify_token: sealIfOpen(row.verify_token), secret: sealIfOpen(row.secret)!, previous_secret: sealIfOpen(row.previous_secret) })
      .where('bot_id', '=', row.bot_id)
      .execute();
    sealed++;
  }
  return sealed;
}
