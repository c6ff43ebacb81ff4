import { Problem } from '../problem.js';
import { rescheduleDelivery, type DeliveryRecord } from '../store/index.js';
import { requireBot } from './configure-channel.js';
import type { ChannelContext } from './context.js';

/**
 * Attempts a delivery again now, with a fresh retry schedule, and wakes the worker: a finished
 * one becomes pending again, a pending one waiting out a backoff goes now (after its
 * conversation's attempt in flight and earlier pending messages, if any). 404 for an unknown delivery.
 */
export async function redeliver(ctx: ChannelContext, botId: string, deliveryId: string): Promise<DeliveryRecord> {
  requireBot(ctx, botId);
  const result = await rescheduleDelivery(ctx.database.db, botId, deliveryId, ctx.clock.now());
  if (result === undefined) throw Problem.notFound(`No delivery '${deliveryId}' for bot '${botId}'.`);
  ctx.wakeDelivery();
  return result;
}
