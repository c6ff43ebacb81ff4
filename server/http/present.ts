/** Store records → the spec's JSON shapes (ISO times, optional fields left out rather than null). */
import type { components } from '../../spec/generated/api.js';
import { clipText } from '../clip-text.js';
import type { AttemptRecord, ChannelRecord, ConversationRecord, DeliveryRecord, MessageRecord, StoredEvent } from '../store/index.js';

type Schemas = components['schemas'];

/** The spec's maxLength of `disabledReason` and an attempt's `error`: texts that quote what a receiver answered. */
const TEXT_LIMIT = 500;

const iso = (ms: number): string => new Date(ms).toISOString();
const isoIf = <K extends string>(key: K, ms: number | null): { [P in K]?: string } => (ms === null ? {} : ({ [key]: iso(ms) } as { [P in K]: string }));

/** `publicBaseUrl`: where this server is reached from outside, without a trailing slash. */
export function presentChannel(c: ChannelRecord, publicBaseUrl: string): Schemas['WebhookChannel'] {
  return {
    id: c.id,
    botId: c.botId,
    url: c.url,
    messagesUrl: channelMessagesUrl(publicBaseUrl, c.id),
    ...(c.verifyToken !== null && { verifyToken: c.verifyToken }),
    status: c.status,
    ...(c.disabledReason !== null && { disabledReason: clipText(c.disabledReason, TEXT_LIMIT) }),
    ...isoIf('disabledAt', c.disabledAt),
    ...isoIf('verifiedAt', c.verifiedAt),
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
  };
}

/**
 * The current secret, and the replaced ones that still sign at `now` (the last replaced first);
 * `previousSecret` and `previousExpiresAt` repeat the first of them, as before there could be several.
 */
export function presentSecret(c: ChannelRecord, now: number): Schemas['WebhookSecret'] {
  const previous = c.previousSecrets.filter((p) => p.expiresAt > now).map((p) => ({ secret: p.secret, expiresAt: iso(p.expiresAt) }));
  const [last] = previous;
  return {
    secret: c.secret,
    ...(last && { previousSecret: last.secret, previousExpiresAt: last.expiresAt, previousSecrets: previous }),
  };
}

export function presentDelivery(d: Omit<DeliveryRecord, 'event'>): Schemas['Delivery'] {
  return {
    id: d.id,
    webhookId: d.webhookId,
    messageId: d.messageId,
    senderId: d.senderId,
    messageCounter: d.messageCounter,
    status: d.status,
    attemptCount: d.attemptCount,
    ...(d.status === 'pending' && { nextAttemptAt: iso(d.nextAttemptAt) }),
    ...isoIf('lastAttemptAt', d.lastAttemptAt),
    ...(d.lastStatusCode !== null && { lastStatusCode: d.lastStatusCode }),
    createdAt: iso(d.createdAt),
    updatedAt: iso(d.updatedAt),
  };
}

export function presentAttempt(a: AttemptRecord): Schemas['DeliveryAttempt'] {
  return {
    number: a.number,
    attemptedAt: iso(a.attemptedAt),
    url: a.url,
    ...(a.statusCode !== null && { statusCode: a.statusCode }),
    latencyMs: a.latencyMs,
    outcome: a.outcome,
    ...(a.error !== null && { error: clipText(a.error, TEXT_LIMIT) }),
    ...(a.request && { request: a.request }),
  };
}

/** The payload as the webhook carries it: with the channel's verify token, or without the field when it has none. */
export function presentDeliveryDetail(
  d: DeliveryRecord & { attempts: AttemptRecord[] },
  verifyToken: string | null,
): Schemas['DeliveryDetail'] {
  return { ...presentDelivery(d), payload: { ...d.event, ...(verifyToken !== null && { verifyToken }) }, attempts: d.attempts.map(presentAttempt) };
}

/** The absolute URL of `sendChannelMessage` for a channel (spec: `WebhookChannel.messagesUrl`). */
export function channelMessagesUrl(publicBaseUrl: string, channelId: string): string {
  return `${publicBaseUrl}/v1/channels/webhook/${encodeURIComponent(channelId)}/messages`;
}

export function presentHistoryRow(m: MessageRecord): Schemas['HistoryRow'] {
  return {
    id: m.id,
    actor: m.actor,
    isIntro: m.isIntro,
    message: m.body,
    sequence: m.sequence,
    ...(m.messageCounter !== null && { messageCounter: m.messageCounter }),
    createdAt: iso(m.createdAt),
  };
}

export function presentSession(c: ConversationRecord): Schemas['Session'] {
  return {
    senderId: c.senderId,
    ...(c.state !== null && { state: c.state }),
    variables: c.variables,
    updatedAt: iso(c.updatedAt),
  };
}

/** One event of the bot's log as the spec's `StreamEvent`. */
export function presentStreamEvent(e: StoredEvent): Schemas['StreamEvent'] {
  const id = String(e.id);
  const r = e.record;
  const createdAt = iso(r.createdAt);
  if (r.type === 'delivery.updated') {
    return { id, type: r.type, createdAt, delivery: presentDelivery(r.delivery), ...(r.attempt && { attempt: presentAttempt(r.attempt) }) };
  }
  if (r.actor === 'bot') return { id, type: r.type, createdAt, actor: 'bot', event: r.event };
  return {
    id,
    type: r.type,
    createdAt,
    actor: 'user',
    event: { senderId: r.senderId, botId: r.botId, messageId: r.message.id, sequence: r.message.sequence, timestamp: createdAt, message: r.message.body as Schemas['UserMessage'] },
  };
}
