/** The read side of a conversation: its messages page by page, and the bot's session state. */
import { Problem } from '../problem.js';
import { findConversation, listMessages, type ConversationRecord, type MessageRecord } from '../store/index.js';
import { requireBot } from './configure-channel.js';
import type { ChannelContext } from './context.js';

/** The conversation of `senderId` with the bot; 404 when the bot or the conversation does not exist. */
export async function getConversation(ctx: ChannelContext, botId: string, senderId: string): Promise<ConversationRecord> {
  requireBot(ctx, botId);
  const conversation = await findConversation(ctx.database.db, botId, senderId);
  if (!conversation) throw Problem.notFound(`No conversation of '${senderId}' with bot '${botId}'.`);
  return conversation;
}

/** A page of the conversation's messages, oldest first, and how many it has in all. */
export async function getConversationHistory(
  ctx: ChannelContext,
  input: { botId: string; senderId: string; offset: number; limit: number },
): Promise<{ rows: MessageRecord[]; count: number }> {
  const conversation = await getConversation(ctx, input.botId, input.senderId);
  return listMessages(ctx.database.db, conversation.id, { offset: input.offset, limit: input.limit });
}
