import { Problem } from '../problem.js';
import { rescheduleDelivery, type DeliveryRecord } from '../store/index.js';
import { requireBot } from './configure-channel.js';
import type { ChannelContext } from './context.js';

/**
 * Schedules a finished delivery again, due now, with a fresh retry schedule, and wakes the worker.
 * 404 for an unknown delivery; 409 `delivery-pending` while it is still pending.
 */
export async function redeliver(ctx: ChannelContext, botId: string, deliveryId: string): Promise<DeliveryRecord> {
  requireBot(ctx, botId);
  const result = await rescheduleDelivery(ctx.database.db, botId, deliveryId, ctx.clock.now());
  if (result === undefined) throw Problem.notFound(`No delivery '${deliveryId}' for bot '${botId}'.`);
  if (result === 'pending') throw Problem.deliveryPending(deliveryId);
  ctx.wakeDelivery();
  return result;
}
