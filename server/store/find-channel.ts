import type { Db } from './database.js';
import { toChannel, type ChannelRecord } from './records.js';

export async function findChannel(db: Db, botId: string): Promise<ChannelRecord | undefined> {
  const row = await db.selectFrom('channels').selectAll().where('bot_id', '=', botId).executeTakeFirst();
  return row && toChannel(row);
}
