import { Problem } from '../problem.js';
import { deleteChannel } from '../store/index.js';
import { requireBot } from './configure-channel.js';
import type { ChannelContext } from './context.js';

/**
 * Removes the bot's webhook configuration and its signing secret. Deliveries not yet made stay,
 * held, and resume when a channel is configured again. 404 when there is no bot or no channel.
 */
export async function removeChannel(ctx: ChannelContext, botId: string): Promise<void> {
  requireBot(ctx, botId);
  if (!(await deleteChannel(ctx.database.db, botId))) {
    throw Problem.notFound(`No webhook channel is configured for bot '${botId}'.`);
  }
  ctx.logger.info({ botId }, 'webhook channel removed');
}
