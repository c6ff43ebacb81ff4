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
    .set({
      secret: input.secret,
      previous_secret: current.secret,
      previous_expires_at: input.previousExpiresAt,
      updated_at: input.now,
    })
    .where('bot_id', '=', input.botId)
    .execute();
  return findChannel(db, input.botId);
}
