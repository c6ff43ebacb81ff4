import { isSealed } from '../credentials/secret-box.js';
import type { Db } from './database.js';

/**
 * Seals the channels' secrets stored in clear (saved before a key was configured): verify tokens,
 * current secrets and the replaced secrets still kept, so that configuring `SECRETS_KEY` protects
 * what is already there too. Answers how many channels changed.
 */
export async function sealChannelSecrets(db: Db, seal: (clear: string) => string): Promise<number> {
  const open = (value: string | null): value is string => value !== null && !isSealed(value);
  const sealIfOpen = (value: string | null) => (open(value) ? seal(value) : value);
  const changed = new Set<string>();
  const rows = await db.selectFrom('channels').select(['bot_id', 'verify_token', 'secret']).execute();
  for (const row of rows) {
    if (!open(row.verify_token) && !open(row.secret)) continue;
    await db
      .updateTable('channels')
      .set({ verify_token: sealIfOpen(row.verify_token), secret: sealIfOpen(row.secret)! })
      .where('bot_id', '=', row.bot_id)
      .execute();
    changed.add(row.bot_id);
  }
  const previous = await db.selectFrom('previous_secrets').select(['id', 'bot_id', 'secret']).execute();
  for (const row of previous) {
    if (!open(row.secret)) continue;
    await db.updateTable('previous_secrets').set({ secret: seal(row.secret) }).where('id', '=', row.id).execute();
    changed.add(row.bot_id);
  }
  return changed.size;
}
