import type { Db } from './database.js';
import { toChannel, type ChannelRecord } from './records.js';

/** The channel a per-channel message URL names. */
export async function findChannelById(db: Db, channelId: string): Promise<ChannelRecord | undefined> {
  const row = await db.selectFrom('channels').selectAll().where('id', '=', channelId).executeTakeFirst();
  return row && toChannel(row);
}
