import type { Db } from './database.js';
import { toMessage, type MessageRecord } from './records.js';

/**
 * The bot messages that came after the conversation's last user message (its latest answer),
 * oldest first: what the user sees and can click. Read only to resolve a postback by its title.
 */
export async function listLatestBotMessages(db: Db, conversationId: string): Promise<MessageRecord[]> {
  const lastUser = await db
    .selectFrom('messages')
    .select((eb) => eb.fn.max('sequence').as('sequence'))
    .where('conversation_id', '=', conversationId)
    .where('actor', '=', 'user')
    .executeTakeFirst();
  const rows = await db
    .selectFrom('messages')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .where('actor', '=', 'bot')
    .where('sequence', '>', Number(lastUser?.sequence ?? 0))
    .orderBy('sequence')
    .execute();
  return rows.map(toMessage);
}
