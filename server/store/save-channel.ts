import type { Db } from './database.js';
import { findChannel } from './find-channel.js';
import type { ChannelRecord } from './records.js';

/**
 * Saves a configuration as `active`. An existing channel keeps its id (integrations hold its
 * message URL) and its signing secret (receivers already hold it); a new one gets `newId` and
 * `newSecret`. `verified` says whether the URL passed the handshake (`verifiedAt`).
 */
export async function saveChannel(
  db: Db,
  input: { botId: string; url: string; verifyToken: string | null; verified?: boolean; newId: string; newSecret: string; now: number },
): Promise<ChannelRecord> {
  const { botId, url, verifyToken, newId, newSecret, now } = input;
  const configuration = {
    url,
    verify_token: verifyToken,
    status: 'active' as const,
    disabled_reason: null,
    disabled_at: null,
    verified_at: input.verified === false ? null : now,
    updated_at: now,
  };
  await db
    .insertInto('channels')
    .values({ id: newId, bot_id: botId, ...configuration, secret: newSecret, previous_secret: null, previous_expires_at: null, created_at: now })
    .onConflict((oc) => oc.column('bot_id').doUpdateSet(configuration))
    .execute();
  return (await findChannel(db, botId))!;
}
