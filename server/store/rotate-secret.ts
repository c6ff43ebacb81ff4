import type { Db } from './database.js';
import { findChannel } from './find-channel.js';
import type { ChannelRecord } from './records.js';

/** Makes `secret` current; the one it replaces keeps signing until `previousExpiresAt`. */
export async function rotateSecret(
  db: Db,
  input: { botId: string; secret: string; previousExpiresAt: number; now: number },
): Promise<ChannelRecord | undefined> {
  const current = await findChannel(db, input.botId);
  if (!current) return undefined;
  await db
    .updateTable('channels')
    .set((eb) => ({
      secret: input.secret,
      // Copied as stored (sealed or not): the record read above holds it opened.
      previous_secret: eb.ref('secret'),
      previous_expires_at: input.previousExpiresAt,
      updated_at: input.now,
    }))
    .where('bot_id', '=', input.botId)
    .execute();
  return findChannel(db, input.botId);
}
