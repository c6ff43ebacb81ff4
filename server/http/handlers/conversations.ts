import { requireBot } from '../../channel/configure-channel.js';
import type { ChannelContext } from '../../channel/context.js';
import { Problem } from '../../problem.js';
import { findConversation, listMessages, type ConversationRecord } from '../../store/index.js';
import type { OperationHandlers, OperationRequest, OperationResponse } from '../handler.js';
import { presentHistoryRow, presentSession } from '../present.js';

export function conversationHandlers(ctx: ChannelContext): OperationHandlers {
  async function conversationOf(botId: string, senderId: string): Promise<ConversationRecord> {
    requireBot(ctx, botId);
    const conversation = await findConversation(ctx.database.db, botId, senderId);
    if (!conversation) throw Problem.notFound(`No conversation of '${senderId}' with bot '${botId}'.`);
    return conversation;
  }

  async function history({ params, query }: OperationRequest): Promise<OperationResponse> {
    const conversation = await conversationOf(params.botId!, params.senderId!);
    const { rows, count } = await listMessages(ctx.database.db, conversation.id, {
      offset: Number(query.offset ?? 0),
      limit: Number(query.limit ?? 20),
    });
    return { status: 200, body: { rows: rows.map(presentHistoryRow), count } };
  }

  return {
    listConversationMessages: history,
    // The legacy path answers the same page; only its authentication differs.
    legacyGetHistory: history,
    async getConversationSession({ params }) {
      return { status: 200, body: presentSession(await conversationOf(params.botId!, params.senderId!)) };
    },
  };
}
