/** The bot's deliveries as its operator sees them: a list page by page, one delivery with its attempts. */
import { Problem } from '../problem.js';
import { findChannel, findDelivery, listDeliveries, type AttemptRecord, type DeliveryRecord } from '../store/index.js';
import { requireBot } from './configure-channel.js';
import type { ChannelContext } from './context.js';
import { decodeDeliveryCursor, encodeDeliveryCursor } from './delivery-cursor.js';

export interface DeliveryPage {
  data: DeliveryRecord[];
  /** Where the next page starts; null on the last page. */
  nextCursor: string | null;
}

/** Deliveries newest first, `limit` at most, after `cursor` (a `nextCursor` of an earlier page). */
export async function listBotDeliveries(
  ctx: ChannelContext,
  input: { botId: string; status?: DeliveryRecord['status']; senderId?: string; cursor?: string; limit: number },
): Promise<DeliveryPage> {
  requireBot(ctx, input.botId);
  const page = await listDeliveries(ctx.database.db, {
    botId: input.botId,
    ...(input.status !== undefined && { status: input.status }),
    ...(input.senderId !== undefined && { senderId: input.senderId }),
    ...(input.cursor !== undefined && { after: decodeDeliveryCursor(input.cursor) }),
    // One more than asked tells whether a next page exists.
    limit: input.limit + 1,
  });
  const data = page.slice(0, input.limit);
  const last = data.at(-1);
  return { data, nextCursor: page.length > input.limit && last ? encodeDeliveryCursor(last) : null };
}

/** One delivery with every attempt, and the verify token its payload carries (the channel's current one; `null`: none). */
export async function getDeliveryDetail(
  ctx: ChannelContext,
  botId: string,
  deliveryId: string,
): Promise<{ delivery: DeliveryRecord & { attempts: AttemptRecord[] }; verifyToken: string | null }> {
  requireBot(ctx, botId);
  const delivery = await findDelivery(ctx.database.db, botId, deliveryId);
  if (!delivery) throw Problem.notFound(`No delivery '${deliveryId}' for bot '${botId}'.`);
  const channel = await findChannel(ctx.database.db, botId);
  return { delivery, verifyToken: channel?.verifyToken ?? null };
}
