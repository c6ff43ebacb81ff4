import { Problem } from '../problem.js';
import { findChannelById } from '../store/index.js';
import { acceptMessage, type MessageAccepted } from './accept-message.js';
import type { ChannelContext } from './context.js';
import { nativeRequestOf, type ChannelMessageRequest } from './platform-message.js';

/**
 * A user message sent to a channel's `messagesUrl` in the platform's form: the channel names the
 * bot, the body is mapped to the native request, and the native use case does the rest (the same
 * validation of the result, idempotency, transaction and answer).
 * @throws Problem 401 when no channel has this id (it was removed since the request was
 *   authenticated): the same answer as an unknown channel gets at authentication.
 */
export async function acceptChannelMessage(
  ctx: ChannelContext,
  input: { channelId: string; request: ChannelMessageRequest; idempotencyKey?: string },
): Promise<MessageAccepted> {
  const channel = await findChannelById(ctx.database.db, input.channelId);
  if (!channel) throw Problem.unauthorized("Send the bot's API token as `Authorization: Bearer <token>`: it is missing, or it does not match.");
  return acceptMessage(ctx, {
    botId: channel.botId,
    request: nativeRequestOf(input.request),
    ...(input.idempotencyKey !== undefined && { idempotencyKey: input.idempotencyKey }),
  });
}
