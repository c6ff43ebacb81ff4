/** What the store's operations hand back: rows in the code's own words (camelCase, parsed JSON). */
import { openSecret } from '../credentials/secret-box.js';
import type { components } from '../../spec/generated/api.js';
import type { ChannelsTable, ConversationsTable, DeliveriesTable, AttemptsTable, MessagesTable } from './schema.js';

type Schemas = components['schemas'];
export type BotMessageEventBody = Omit<Schemas['BotMessageEvent'], 'verifyToken'>;

export interface ChannelRecord {
  id: string;
  botId: string;
  url: string;
  /** `null`: none configured; webhook bodies then carry no `verifyToken` field. */
  verifyToken: string | null;
  /** SHA-256 hex of the verify token, which authenticates the legacy endpoint. */
  verifyTokenHash: string | null;
  status: ChannelsTable['status'];
  disabledReason: string | null;
  disabledAt: number | null;
  verifiedAt: number | null;
  secret: string;
  /** The secrets rotations replaced, newest first, each signing until its own `expiresAt` (expired ones may linger until purged). */
  previousSecrets: PreviousSecret[];
  createdAt: number;
  updatedAt: number;
}

/** A secret a rotation replaced, opened, and when it stops signing (ms since the epoch). */
export interface PreviousSecret {
  secret: string;
  expiresAt: number;
}

export interface ConversationRecord {
  id: string;
  botId: string;
  senderId: string;
  state: string | null;
  variables: Record<string, unknown>;
  lastSequence: number;
  lastMessageCounter: number;
  createdAt: number;
  updatedAt: number;
}

export interface MessageRecord {
  id: string;
  conversationId: string;
  actor: MessagesTable['actor'];
  sequence: number;
  messageCounter: number | null;
  isIntro: boolean;
  inReplyTo: string | null;
  body: Schemas['UserMessage'] | Schemas['BotMessage'];
  createdAt: number;
}

export interface DeliveryRecord {
  id: string;
  botId: string;
  conversationId: string;
  senderId: string;
  messageId: string;
  webhookId: string;
  messageCounter: number;
  event: BotMessageEventBody;
  status: DeliveriesTable['status'];
  attemptCount: number;
  nextAttemptAt: number;
  lastAttemptAt: number | null;
  lastStatusCode: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface AttemptRecord {
  deliveryId: string;
  number: number;
  attemptedAt: number;
  url: string;
  statusCode: number | null;
  latencyMs: number;
  outcome: AttemptsTable['outcome'];
  error: string | null;
  /** The request as sent: its identifying and signing headers and its raw body (absent for old attempts). */
  request?: { headers: Record<string, string>; body: string } | null;
}

// PostgreSQL hands bigint columns back as strings; Number() reads both dialects alike.
const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** A channel row and its `previous_secrets` rows (any order). */
export function toChannel(row: ChannelsTable, previous: readonly PreviousSecretRow[]): ChannelRecord {
  return {
    id: row.id,
    botId: row.bot_id,
    url: row.url,
    verifyToken: openSecret(row.verify_token),
    verifyTokenHash: row.verify_token_hash,
    status: row.status,
    disabledReason: row.disabled_reason,
    disabledAt: numOrNull(row.disabled_at),
    verifiedAt: numOrNull(row.verified_at),
    secret: openSecret(row.secret),
    previousSecrets: toPreviousSecrets(previous),
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
  };
}

/** What a `previous_secrets` row is read as (its id comes back as a string from PostgreSQL). */
export interface PreviousSecretRow {
  id: number | string;
  secret: string;
  expires_at: number;
}

/** Opened, the last replaced first: the order `WebhookSecret.previousSecrets` lists them in. */
export function toPreviousSecrets(rows: readonly PreviousSecretRow[]): PreviousSecret[] {
  return [...rows].sort((a, b) => num(b.id) - num(a.id)).map((row) => ({ secret: openSecret(row.secret), expiresAt: num(row.expires_at) }));
}

export function toConversation(row: ConversationsTable): ConversationRecord {
  return {
    id: row.id,
    botId: row.bot_id,
    senderId: row.sender_id,
    state: row.state,
    variables: JSON.parse(row.variables),
    lastSequence: num(row.last_sequence),
    lastMessageCounter: num(row.last_message_counter),
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
  };
}

export function toMessage(row: MessagesTable): MessageRecord {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    actor: row.actor,
    sequence: num(row.sequence),
    messageCounter: numOrNull(row.message_counter),
    isIntro: Boolean(row.is_intro),
    inReplyTo: row.in_reply_to,
    body: JSON.parse(row.body),
    createdAt: num(row.created_at),
  };
}

export function toDelivery(row: DeliveriesTable): DeliveryRecord {
  return { ...toDeliveryState(row), event: JSON.parse(row.event) };
}

/** A delivery without its body (the bot message event), read without parsing it: what the event log records. */
export function toDeliveryState(row: Omit<DeliveriesTable, 'event' | 'round_attempt_count'>): Omit<DeliveryRecord, 'event'> {
  return {
    id: row.id,
    botId: row.bot_id,
    conversationId: row.conversation_id,
    senderId: row.sender_id,
    messageId: row.message_id,
    webhookId: row.webhook_id,
    messageCounter: num(row.message_counter),
    status: row.status,
    attemptCount: num(row.attempt_count),
    nextAttemptAt: num(row.next_attempt_at),
    lastAttemptAt: numOrNull(row.last_attempt_at),
    lastStatusCode: numOrNull(row.last_status_code),
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
  };
}

export function toAttempt(row: AttemptsTable): AttemptRecord {
  return {
    deliveryId: row.delivery_id,
    number: num(row.number),
    attemptedAt: num(row.attempted_at),
    url: row.url,
    statusCode: numOrNull(row.status_code),
    latencyMs: num(row.latency_ms),
    outcome: row.outcome,
    error: row.error,
    request: row.request_headers === null || row.request_body === null ? null : { headers: JSON.parse(row.request_headers), body: row.request_body },
  };
}

/**
 * What the event log records, in the store's words; the HTTP layer presents it as the spec's
 * `StreamEvent`. A bot message's `event` is its webhook body; a delivery update carries the
 * delivery as it stands after the change (without its body) and the attempt that made it, if any.
 */
export type EventRecord =
  | { type: 'message.created'; actor: 'user'; createdAt: number; botId: string; senderId: string; message: Pick<MessageRecord, 'id' | 'sequence' | 'body'> }
  | { type: 'message.created'; actor: 'bot'; createdAt: number; event: BotMessageEventBody }
  | { type: 'delivery.updated'; createdAt: number; delivery: Omit<DeliveryRecord, 'event'>; attempt: AttemptRecord | null };

/** An event of the log with its id (increasing) and the bot and conversation it belongs to. */
export interface StoredEvent {
  id: number;
  botId: string;
  senderId: string;
  record: EventRecord;
}

/** A delivery update's event: the delivery without its body, and the attempt that moved it (or null). */
export function deliveryUpdated(delivery: Omit<DeliveryRecord, 'event'> & { event?: unknown }, attempt: AttemptRecord | null, at: number): EventRecord {
  const { event: _body, ...rest } = delivery;
  return { type: 'delivery.updated', createdAt: at, delivery: rest, attempt };
}
