import { isSealed } from '../credentials/secret-box.js';
import type { Db } from './database.js';

/**
 * Seals the channels' secrets stored in clear (saved before a key was configured): verify tokens,
 * current secrets and the replaced secrets still kept, so that configuring `SECRETS_KEY` protects
 * what is already there too. Answers how many channels changed.
 *
 * Each row is changed only if it still holds what was read (compare and set): another instance
 * may rotate the secret or configure the channel meanwhile, and sealing the value read before
 * would bring the replaced secret or token back.
 */
export async function sealChannelSecrets(db: Db, seal: (clear: string) => string): Promise<number> {
  const open = (value: string | null): value is string => value !== null && !isSealed(value);
  const sealIfOpen = (value: string | null) => (open(value) ? seal(value) : value);
  const changed = new Set<string>();
  const rows = await db.selectFrom('channels').select(['bot_id', 'verify_token', 'secret']).execute();
  for (const row of rows) {
    if (!open(row.verify_token) && !open(row.secret)) continue;
    const result = await db
      .updateTable('channels')
      .set({ verify_token: sealIfOpen(row.verify_token), secret: sealIfOpen(row.secret)! })
      .where('bot_id', '=', row.bot_id)
      .where('secret', '=', row.secret)
      .where('verify_token', row.verify_token === null ? 'is' : '=', row.verify_token)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) > 0) changed.add(row.bot_id);
  }
  const previous = await db.selectFrom('previous_secrets').select(['id', 'bot_id', 'secret']).execute();
  for (const row of previous) {
    if (!open(row.secret)) continue;
    const result = await db.updateTable('previous_secrets').set({ secret: seal(row.secret) }).where('id', '=', row.id).where('secret', '=', row.secret).executeTakeFirst();
    if (Number(result.numUpdatedRows) > 0) changed.add(row.bot_id);
  }
  return changed.size;
}
