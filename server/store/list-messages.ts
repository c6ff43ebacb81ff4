import type { Db } from './database.js';
import { toMessage, type MessageRecord } from './records.js';

/** A page of the conversation, oldest first, and how many messages it has in all. */
export async function listMessages(
  db: Db,
  conversationId: string,
  page: { offset: number; limit: number },
): Promise<{ rows: MessageRecord[]; count: number }> {
  const rows = await db
    .selectFrom('messages')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .orderBy('sequence')
    .limit(page.limit)
    .offset(page.offset)
    .execute();
  const { count } = await db
    .selectFrom('messages')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('conversation_id', '=', conversationId)
    .executeTakeFirstOrThrow();
  return { rows: rows.map(toMessage), count: Number(count) };
}
