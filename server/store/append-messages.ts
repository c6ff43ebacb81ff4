import type { Db } from './database.js';
import { WriteConflictError } from './store-errors.js';
import type { ConversationRecord, MessageRecord } from './records.js';

export interface NewMessage {
  id: string;
  actor: 'user' | 'bot';
  isIntro: boolean;
  inReplyTo: string | null;
  body: MessageRecord['body'];
}

/**
 * Appends messages to the conversation in the order given: each takes the next `sequence`, and
 * each bot message the next `messageCounter` (gapless, 1-based). Saves the session with them.
 */
export async function appendMessages(
  db: Db,
  conversation: ConversationRecord,
  messages: NewMessage[],
  session: { state: string | null; variables: Record<string, unknown> },
  now: number,
): Promise<MessageRecord[]> {
  let sequence = conversation.lastSequence;
  let counter = conversation.lastMessageCounter;
  const stored: MessageRecord[] = messages.map((m) => ({
    id: m.id,
    conversationId: conversation.id,
    actor: m.actor,
    sequence: ++sequence,
    messageCounter: m.actor === 'bot' ? ++counter : null,
    isIntro: m.isIntro,
    inReplyTo: m.inReplyTo,
    body: m.body,
    createdAt: now,
  }));
  if (stored.length > 0) {
    await db
      .insertInto('messages')
      .values(
        stored.map((m) => ({
          id: m.id,
          conversation_id: m.conversationId,
          bot_id: conversation.botId,
          actor: m.actor,
          sequence: m.sequence,
          message_counter: m.messageCounter,
          is_intro: m.isIntro ? 1 : 0,
          in_reply_to: m.inReplyTo,
          body: JSON.stringify(m.body),
          created_at: now,
        })),
      )
      .execute();
  }
  // The counters are guarded by their old values, so two writers that read the same conversation cannot both win.
  const result = await db
    .updateTable('conversations')
    .set({
      last_sequence: sequence,
      last_message_counter: counter,
      state: session.state,
      variables: JSON.stringify(session.variables),
      updated_at: now,
    })
    .where('id', '=', conversation.id)
    .where('last_sequence', '=', conversation.lastSequence)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) throw new ConcurrentAppendError(conversation.id);
  return stored;
}

/** Another transaction appended to the same conversation first; the caller retries. */
export class ConcurrentAppendError extends WriteConflictError {
  constructor(conversationId: string) {
    super(`conversation ${conversationId} was appended to concurrently`);
  }
}
