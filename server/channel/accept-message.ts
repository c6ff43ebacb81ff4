/**
 * The use case at the heart of the channel: accept a user message, run the bot, and queue its
 * answers for delivery, in one transaction (an outbox). Once this returns, nothing can be lost.
 * The transaction is shared with the accepts that arrive meanwhile (the store's group commit):
 * this one runs in its own savepoint, after those that came before it, and returns after the commit.
 */
import { createHash } from 'node:crypto';
import type { components } from '../../spec/generated/api.js';
import { needsLatestBotMessages, runTurn } from '../bot/engine.js';
import { Problem } from '../problem.js';
import {
  appendEvents,
  appendMessages,
  isWriteConflict,
  enqueueDeliveries,
  findChannelAddress,
  findIdempotencyRecord,
  listLatestBotMessages,
  openConversation,
  saveIdempotencyRecord,
  type NewMessage,
} from '../store/index.js';
import type { ChannelContext } from './context.js';
import { assertSessionWithinLimits, sessionSize } from './session-limit.js';

type SendMessageRequest = components['schemas']['SendMessageRequest'];
export type MessageAccepted = components['schemas']['MessageAccepted'];

const MAX_CONCURRENT_APPEND_RETRIES = 5;

export async function acceptMessage(
  ctx: ChannelContext,
  input: { botId: string; request: SendMessageRequest; idempotencyKey?: string },
): Promise<MessageAccepted> {
  const bot = ctx.bots.get(input.botId);
  if (!bot) throw Problem.notFound(`No bot '${input.botId}'.`);
  await ctx.backlog.check(input.botId);
  const requestHash = input.idempotencyKey ? hashRequest(input.request) : '';

  for (let attempt = 1; ; attempt++) {
    try {
      const accepted = await ctx.database.writes.run(async (trx) => {
        const now = ctx.clock.now();
        if (input.idempotencyKey) {
          const previous = await findIdempotencyRecord(trx, input.botId, input.idempotencyKey, now);
          if (previous) {
            if (previous.requestHash !== requestHash) throw Problem.idempotencyKeyReused();
            return previous.response as MessageAccepted;
          }
        }
        const { sender, message, sessionData } = input.request;
        const conversation = await openConversation(trx, { botId: input.botId, senderId: sender.id, newId: ctx.ids('cnv'), now });
        // Read only for a postback by its title alone, which clicks among what the bot last showed.
        const latestBotMessages = needsLatestBotMessages(bot, message)
          ? (await listLatestBotMessages(trx, conversation.id)).map((m) => m.body as components['schemas']['BotMessage'])
          : undefined;
        const turn = runTurn(bot, { state: conversation.state, variables: conversation.variables }, { message, sender, sessionData, latestBotMessages });
        assertSessionWithinLimits(
          sessionSize(conversation.variables),
          sessionSize(turn.variables),
          ctx.config.session,
          sessionData ? 'body.sessionData' : 'body.message',
        );

        const userMessage: NewMessage = { id: ctx.ids('msg'), actor: 'user', isIntro: turn.isIntro, inReplyTo: null, body: message };
        const botMessages: NewMessage[] = turn.messages.map((body) => ({
          id: ctx.ids('msg'),
          actor: 'bot',
          isIntro: turn.isIntro,
          inReplyTo: userMessage.id,
          body,
        }));
        const [storedUser, ...storedBot] = await appendMessages(
          trx,
          conversation,
          [userMessage, ...botMessages],
          { state: turn.state, variables: turn.variables },
          now,
        );
        const deliveries = storedBot.map((m) => ({
          id: ctx.ids('dlv'),
          botId: input.botId,
          conversationId: conversation.id,
          senderId: sender.id,
          messageId: m.id,
          // One id per bot message: the receiver deduplicates on it across retries and redeliveries.
          webhookId: m.id,
          messageCounter: m.messageCounter!,
          event: {
            senderId: sender.id,
            recipient: { id: sender.id },
            botId: input.botId,
            messageId: m.id,
            inReplyTo: userMessage.id,
            messageCounter: m.messageCounter!,
            timestamp: new Date(now).toISOString(),
            message: m.body as components['schemas']['BotMessage'],
            ...(turn.nlp && { nlp: turn.nlp }),
          },
        }));
        await enqueueDeliveries(trx, deliveries, now);
        await appendEvents(trx, [
          {
            botId: input.botId,
            senderId: sender.id,
            record: { type: 'message.created', actor: 'user', createdAt: now, botId: input.botId, senderId: sender.id, message: { id: storedUser!.id, sequence: storedUser!.sequence, body: storedUser!.body } },
          },
          ...deliveries.map((d) => ({
            botId: input.botId,
            senderId: sender.id,
            record: { type: 'message.created' as const, actor: 'bot' as const, createdAt: now, event: d.event },
          })),
        ]);
        const channel = await findChannelAddress(trx, input.botId);
        const result: MessageAccepted = {
          messageId: storedUser!.id,
          conversationId: conversation.id,
          senderId: sender.id,
          sequence: storedUser!.sequence,
          createdAt: new Date(now).toISOString(),
          ...(channel?.status === 'active' && { deliveryUrl: channel.url }),
        };
        if (input.idempotencyKey) {
          await saveIdempotencyRecord(trx, {
            botId: input.botId,
            key: input.idempotencyKey,
            requestHash,
            response: result,
            now,
            ttlMs: ctx.config.idempotencyTtlMs,
          });
        }
        return result;
      });
      ctx.wakeDelivery();
      return accepted;
    } catch (error) {
      // A concurrent request (on this instance or another) appended to the same conversation or
      // took the same idempotency key first, or PostgreSQL chose this transaction as a deadlock
      // victim: nothing of it was committed, so run the turn again on the new state.
      if (isWriteConflict(error) && attempt < MAX_CONCURRENT_APPEND_RETRIES) continue;
      throw error;
    }
  }
}

/** A stable hash of the request: the same JSON with keys in another order is the same request. */
function hashRequest(request: unknown): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
