import { engineOf, type Db } from './database.js';
import { findChannel } from './find-channel.js';
import type { ChannelRecord } from './records.js';
import { retryWriteConflicts } from './store-errors.js';

/**
 * What a rotation did: `rotated` (the channel as it is now), `no-channel`, or `limit` when
 * `maxPrevious` replaced secrets still sign (nothing changed; `signingUntil` is when the first of
 * them stops, in ms).
 */
export type RotateSecretResult =
  | { outcome: 'rotated'; channel: ChannelRecord }
  | { outcome: 'no-channel' }
  | { outcome: 'limit'; signingUntil: number };

/**
 * Makes `secret` current; the secret it replaces keeps signing until `previousExpiresAt`, beside
 * those earlier rotations replaced, each until its own expiry (expired ones are purged here).
 * Secrets arrive and are kept as stored (sealed when a key is configured).
 *
 * One transaction that locks the channel row first: on PostgreSQL two rotations at once queue on
 * that lock, and the second reads the secret the first made current, so each replaced secret is
 * kept; on SQLite the transaction is `begin immediate`, which serialises them the same way.
 */
export async function rotateSecret(
  db: Db,
  input: { botId: string; secret: string; previousExpiresAt: number; now: number; maxPrevious?: number },
): Promise<RotateSecretResult> {
  const { botId, now } = input;
  return retryWriteConflicts(() => db.transaction().execute(async (trx): Promise<RotateSecretResult> => {
    const current = await trx
      .selectFrom('channels')
      .select('secret')
      .where('bot_id', '=', botId)
      .$if(engineOf(trx) === 'postgres', (q) => q.forUpdate())
      .executeTakeFirst();
    if (!current) return { outcome: 'no-channel' };
    await trx.deleteFrom('previous_secrets').where('bot_id', '=', botId).where('expires_at', '<=', now).execute();
    const signing = await trx.selectFrom('previous_secrets').select('expires_at').where('bot_id', '=', botId).orderBy('expires_at').execute();
    if (input.maxPrevious !== undefined && signing.length >= input.maxPrevious) {
      return { outcome: 'limit', signingUntil: Number(signing[0]!.expires_at) };
    }
    await trx
      .insertInto('previous_secrets')
      .values({ bot_id: botId, secret: current.secret, expires_at: input.previousExpiresAt, retired_at: now })
      .execute();
    await trx.updateTable('channels').set({ secret: input.secret, updated_at: now }).where('bot_id', '=', botId).execute();
    return { outcome: 'rotated', channel: (await findChannel(trx, botId))! };
  }));
}
