import type { Db } from './database.js';
import { findChannelWhere } from './find-channel.js';
import type { ChannelRecord } from './records.js';

/** The channel a per-channel message URL names. */
export async function findChannelById(db: Db, channelId: string): Promise<ChannelRecord | undefined> {
  return findChannelWhere(db, 'id', channelId);
}
