import { engineOf, type Db } from './database.js';
import { toConversation, type ConversationRecord } from './records.js';

/**
 * The conversation of this sender with this bot, created when it is the first message.
 * Call it inside the transaction that appends to the conversation: its counters are read here.
 *
 * SQLite: the write transaction holds the database's one write lock (BEGIN IMMEDIATE), so what
 * is read here stays true until commit. PostgreSQL: other instances write at the same time, so
 * the row is locked (`FOR UPDATE`) until commit: a concurrent send to the same conversation waits
 * here, then reads the counters the first one committed, and `sequence`/`messageCounter` stay
 * gapless and unique.
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
  const query = db.selectFrom('conversations').selectAll().where('bot_id', '=', input.botId).where('sender_id', '=', input.senderId);
  const row = await (engineOf(db) === 'postgres' ? query.forUpdate() : query).executeTakeFirstOrThrow();
  return toConversation(row);
}
