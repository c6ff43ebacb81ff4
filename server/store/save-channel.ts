import type { Db } from './database.js';
import { findChannel } from './find-channel.js';
import type { ChannelRecord } from './records.js';

/**
 * Saves a verified configuration as `active`. An existing channel keeps its signing secret
 * (receivers already hold it); a new one gets `newSecret`.
 */
export async function saveChannel(
  db: Db,
  input: { botId: string; url: string; verifyToken: string; newSecret: string; now: number },
): Promise<ChannelRecord> {
  const { botId, url, verifyToken, newSecret, now } = input;
  const configuration = {
    url,
    verify_token: verifyToken,
    status: 'active' as const,
    disabled_reason: null,
    disabled_at: null,
    verified_at: now,
    updated_at: now,
  };
  await db
    .insertInto('channels')
    .values({ bot_id: botId, ...configuration, secret: newSecret, previous_secret: null, previous_expires_at: null, created_at: now })
    .onConflict((oc) => oc.column('bot_id').doUpdateSet(configuration))
    .execute();
  return (await findChannel(db, botId))!;
}
