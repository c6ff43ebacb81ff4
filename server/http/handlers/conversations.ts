import type { ChannelContext } from '../../channel/context.js';
import { getConversation, getConversationHistory } from '../../channel/conversation-reads.js';
import type { HandlerGroup, OperationHandler } from '../handler.js';
import { presentHistoryRow, presentSession } from '../present.js';

type ConversationOperation = 'listConversationMessages' | 'legacyGetHistory' | 'getConversationSession';

/** The spec's defaults of `offset` and `limit` apply when the query leaves them out. */
const DEFAULT_PAGE = { offset: 0, limit: 20 };

export function conversationHandlers(ctx: ChannelContext): HandlerGroup<ConversationOperation> {
  const history = async ({ params, query }: { params: { botId: string; senderId: string }; query: { offset?: number; limit?: number } }) => {
    const { rows, count } = await getConversationHistory(ctx, {
      botId: params.botId,
      senderId: params.senderId,
      offset: query.offset ?? DEFAULT_PAGE.offset,
      limit: query.limit ?? DEFAULT_PAGE.limit,
    });
    return { status: 200 as const, body: { rows: rows.map(presentHistoryRow), count } };
  };
  const listConversationMessages: OperationHandler<'listConversationMessages'> = history;
  // The legacy path answers the same page; only its authentication differs.
  const legacyGetHistory: OperationHandler<'legacyGetHistory'> = history;
  return {
    listConversationMessages,
    legacyGetHistory,
    async getConversationSession({ params }) {
      return { status: 200, body: presentSession(await getConversation(ctx, params.botId, params.senderId)) };
    },
  };
}
