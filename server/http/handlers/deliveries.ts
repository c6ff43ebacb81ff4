import type { ChannelContext } from '../../channel/context.js';
import { getDeliveryDetail, listBotDeliveries } from '../../channel/delivery-log.js';
import { redeliver } from '../../channel/redeliver.js';
import type { HandlerGroup } from '../handler.js';
import { presentDelivery, presentDeliveryDetail } from '../present.js';

type DeliveryOperation = 'listDeliveries' | 'getDelivery' | 'redeliverDelivery';

/** The spec's default page size. */
const DEFAULT_LIMIT = 20;

export function deliveryHandlers(ctx: ChannelContext): HandlerGroup<DeliveryOperation> {
  return {
    async listDeliveries({ params, query }) {
      const page = await listBotDeliveries(ctx, {
        botId: params.botId,
        ...(query.status !== undefined && { status: query.status }),
        ...(query.senderId !== undefined && { senderId: query.senderId }),
        ...(query.cursor !== undefined && { cursor: query.cursor }),
        limit: query.limit ?? DEFAULT_LIMIT,
      });
      return { status: 200, body: { data: page.data.map(presentDelivery), nextCursor: page.nextCursor } };
    },
    async getDelivery({ params }) {
      const { delivery, verifyToken } = await getDeliveryDetail(ctx, params.botId, params.deliveryId);
      return { status: 200, body: presentDeliveryDetail(delivery, verifyToken) };
    },
    async redeliverDelivery({ params }) {
      return { status: 202, body: presentDelivery(await redeliver(ctx, params.botId, params.deliveryId)) };
    },
  };
}
