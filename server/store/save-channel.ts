import { hashVerifyToken } from '../credentials/verify-token.js';
import type { Db } from './database.js';
import { findChannel } from './find-channel.js';
import { retryWriteConflicts } from './store-errors.js';
import type { ChannelRecord } from './records.js';

/**
 * Saves a configuration as `active`. An existing channel keeps its id (integrations hold its
 * message URL) and its signing secret (receivers already hold it); a new one gets `newId` and
 * `newSecret`. The verify token and secret arrive as they are to be stored (sealed by the
 * caller when a key is configured). `verified` says whether the URL passed the handshake (`verifiedAt`).
 */
export async function saveChannel(
  db: Db,
  input: { botId: string; url: string; verifyToken: string | null; verifyTokenHash?: string | null; verified?: boolean; newId: string; newSecret: string; now: number },
): Promise<ChannelRecord> {
  const { botId, url, verifyToken, newId, newSecret, now } = input;
  const configuration = {
    url,
    verify_token: verifyToken,
    // Given when the token arrives sealed; a token in clear is hashed here.
    verify_token_hash: input.verifyTokenHash !== undefined ? input.verifyTokenHash : verifyToken === null ? null : hashVerifyToken(verifyToken),
    status: 'active' as const,
    disabled_reason: null,
    disabled_at: null,
    verified_at: input.verified === false ? null : now,
    updated_at: now,
  };
  // One transaction: the row read back is the one just saved. Read after the upsert's commit, a
  // channel deleted meanwhile (another request, another instance) was not there, and the PUT
  // answered 500.
  return retryWriteConflicts(() => db.transaction().execute(async (trx) => {
    await trx
      .insertInto('channels')
      .values({ id: newId, bot_id: botId, ...configuration, secret: newSecret, created_at: now })
      .onConflict((oc) => oc.column('bot_id').doUpdateSet(configuration))
      .execute();
    return (await findChannel(trx, botId))!;
  }));
}
