import type { Db } from './database.js';
import type { ChannelsTable } from './schema.js';

/**
 * Where the bot's webhooks go, and whether they go at all: the channel's URL and status, without
 * its secrets, or undefined when the bot has none. What an accepted message's answer tells
 * (`deliveryUrl`); `findChannel` also reads every previous secret, a join and a decryption the
 * accept path does not need (a tenth of its SQL time, measured).
 */
export async function findChannelAddress(db: Db, botId: string): Promise<Pick<ChannelsTable, 'url' | 'status'> | undefined> {
  return db.selectFrom('channels').select(['url', 'status']).where('bot_id', '=', botId).executeTakeFirst();
}
