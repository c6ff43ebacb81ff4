import type { Db } from './database.js';
import { toChannel, type ChannelRecord } from './records.js';

/** The bot's channel, with the secrets its rotations replaced that are not purged yet. */
export async function findChannel(db: Db, botId: string): Promise<ChannelRecord | undefined> {
  return findChannelWhere(db, 'bot_id', botId);
}

/**
 * The channel whose `column` is `value`, read with its previous secrets in one statement (a left
 * join), so a rotation committing meanwhile is seen whole or not at all.
 */
export async function findChannelWhere(db: Db, column: 'bot_id' | 'id', value: string): Promise<ChannelRecord | undefined> {
  const rows = await db
    .selectFrom('channels')
    .leftJoin('previous_secrets', 'previous_secrets.bot_id', 'channels.bot_id')
    .selectAll('channels')
    .select(['previous_secrets.id as previous_id', 'previous_secrets.secret as previous_secret', 'previous_secrets.expires_at as previous_expires_at'])
    .where(`channels.${column}`, '=', value)
    .execute();
  const [first] = rows;
  if (!first) return undefined;
  const { previous_id: _i, previous_secret: _s, previous_expires_at: _e, ...channel } = first;
  const previous = rows.flatMap((row) =>
    row.previous_id === null || row.previous_secret === null || row.previous_expires_at === null
      ? []
      : [{ id: row.previous_id, secret: row.previous_secret, expires_at: row.previous_expires_at }],
  );
  return toChannel(channel, previous);
}
