import type { Db } from './database.js';
import { toConversation, type ConversationRecord } from './records.js';

/**
 * The conversation of this sender with this bot, created when it is the first message.
 * Call it inside the transaction that appends to the conversation: its counters are read here.
 */
export async function openConversation(
  db: Db,
  input: { botId: string; senderId: string; newId: string; now: number },
): Promise<ConversationRecord> {
  await db
    .insertInto('conversations')
    .values({
      id: input.newId,
      bot_id: input.botId,
      sender_id: input.senderId,
      state: null,
      variables: '{}',
      last_sequence: 0,
      last_message_counter: 0,
      created_at: input.now,
      updated_at: input.now,
    })
    .onConflict((oc) => oc.columns(['bot_id', 'sender_id']).doNothing())
    .execute();
  const row = await db
    .selectFrom('conversations')
    .selectAll()
    .where('bot_id', '=', input.botId)
    .where('sender_id', '=', input.senderId)
    .executeTakeFirstOrThrow();
  return toConversation(row);
}
