import { requireBot } from '../../channel/configure-channel.js';
import type { ChannelContext } from '../../channel/context.js';
import { Problem } from '../../problem.js';
import { findChannel, findDelivery, listDeliveries, rescheduleDelivery, type DeliveryCursor } from '../../store/index.js';
import type { OperationHandlers } from '../handler.js';
import { presentDelivery, presentDeliveryDetail } from '../present.js';

export function deliveryHandlers(ctx: ChannelContext): OperationHandlers {
  return {
    async listDeliveries({ params, query }) {
      requireBot(ctx, params.botId!);
      const limit = Number(query.limit ?? 20);
      const page = await listDeliveries(ctx.database.db, {
        botId: params.botId!,
        status: query.status as 'pending' | undefined,
        senderId: query.senderId as string | undefined,
        after: query.cursor === undefined ? undefined : decodeCursor(String(query.cursor)),
        // One more than asked tells whether a next page exists.
        limit: limit + 1,
      });
      const data = page.slice(0, limit);
      const last = data[data.length - 1];
      return {
        status: 200,
        body: { data: data.map(presentDelivery), nextCursor: page.length > limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null },
      };
    },
    async getDelivery({ params }) {
      requireBot(ctx, params.botId!);
      const delivery = await findDelivery(ctx.database.db, params.botId!, params.deliveryId!);
      if (!delivery) throw Problem.notFound(`No delivery '${params.deliveryId}' for bot '${params.botId}'.`);
      const channel = await findChannel(ctx.database.db, params.botId!);
      return { status: 200, body: presentDeliveryDetail(delivery, channel?.verifyToken ?? '') };
    },
    async redeliverDelivery({ params }) {
      requireBot(ctx, params.botId!);
      const result = await rescheduleDelivery(ctx.database.db, params.botId!, params.deliveryId!, ctx.clock.now());
      if (result === undefined) throw Problem.notFound(`No delivery '${params.deliveryId}' for bot '${params.botId}'.`);
      if (result === 'pending') throw Problem.deliveryPending(params.deliveryId!);
      ctx.wakeDelivery();
      return { status: 202, body: presentDelivery(result) };
    },
  };
}

function encodeCursor(cursor: DeliveryCursor): string {
  return Buffer.from(JSON.stringify({ c: cursor.createdAt, i: cursor.id })).toString('base64url');
}

function decodeCursor(text: string): DeliveryCursor {
  try {
    const { c, i } = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Number.isSafeInteger(c) && typeof i === 'string') return { createdAt: c, id: i };
  } catch {
    // fall through to the problem below
  }
  throw Problem.validation([{ location: 'query.cursor', message: 'is not a cursor this server gave out' }]);
}
