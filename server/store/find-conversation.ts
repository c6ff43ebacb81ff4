import type { Db } from './database.js';
import { toConversation, type ConversationRecord } from './records.js';

export async function findConversation(db: Db, botId: string, senderId: string): Promise<ConversationRecord | undefined> {
  const row = await db
    .selectFrom('conversations')
    .selectAll()
    .where('bot_id', '=', botId)
    .where('sender_id', '=', senderId)
    .executeTakeFirst();
  return row && toConversation(row);
}
