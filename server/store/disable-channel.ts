import type { Db } from './database.js';

/** Marks the channel `disabled` (the receiver answered 410): its deliveries are held until it is configured again. */
export async function disableChannel(db: Db, botId: string, reason: string, now: number): Promise<void> {
  await db
    .updateTable('channels')
    .set({ status: 'disabled', disabled_reason: reason, disabled_at: now, updated_at: now })
    .where('bot_id', '=', botId)
    .execute();
}
