import type { Generated } from 'kysely';

/**
 * The tables, as Kysely sees them. Times are integers (milliseconds since the epoch) so that
 * SQLite and PostgreSQL compare and sort them alike; JSON is stored as text for the same reason.
 * Enumerated columns take their values from the spec's schemas, so the two cannot drift apart.
 */
import type { components } from '../../spec/generated/api.js';

type Schemas = components['schemas'];

export interface BotsTable {
  id: string;
  token_hash: string;
  created_at: number;
}

export interface ChannelsTable {
  /** Names the channel in its message URL; kept when the channel is configured again. */
  id: string;
  bot_id: string;
  url: string;
  /** In clear: every webhook body carries it. `null`: none configured (no field in the bodies). */
  verify_token: string | null;
  /** SHA-256 hex of the verify token: the legacy endpoint is authenticated against it. */
  verify_token_hash: string | null;
  status: Schemas['ChannelStatus'];
  disabled_reason: string | null;
  disabled_at: number | null;
  verified_at: number | null;
  /** The current signing secret (sealed when SECRETS_KEY is set); those it replaced are in `previous_secrets`. */
  secret: string;
  created_at: number;
  updated_at: number;
}

/** One row per secret a rotation replaced: it keeps signing beside the current one until `expires_at`. */
export interface PreviousSecretsTable {
  /** Generated: increases with every rotation, so it orders the secrets as they were replaced. */
  id: Generated<number>;
  bot_id: string;
  /** As `channels.secret` held it: sealed when SECRETS_KEY is set. */
  secret: string;
  /** When it stops signing: its rotation's time plus the grace period then configured. */
  expires_at: number;
  /** When the rotation replaced it. */
  retired_at: number;
}

export interface ConversationsTable {
  id: string;
  bot_id: string;
  sender_id: string;
  state: string | null;
  /** JSON object of session variables. */
  variables: string;
  last_sequence: number;
  last_message_counter: number;
  created_at: number;
  updated_at: number;
}

export interface MessagesTable {
  id: string;
  conversation_id: string;
  bot_id: string;
  actor: Schemas['HistoryRow']['actor'];
  sequence: number;
  message_counter: number | null;
  is_intro: number;
  in_reply_to: string | null;
  /** JSON of the user message or the bot message. */
  body: string;
  created_at: number;
}

export interface DeliveriesTable {
  id: string;
  bot_id: string;
  conversation_id: string;
  sender_id: string;
  message_id: string;
  webhook_id: string;
  message_counter: number;
  /** JSON of the webhook body without `verifyToken`, which is taken from the channel at send time. */
  event: string;
  status: Schemas['DeliveryStatus'];
  attempt_count: number;
  /** Attempts since the delivery was last (re)scheduled: the retry schedule restarts on redelivery. */
  round_attempt_count: number;
  next_attempt_at: number;
  last_attempt_at: number | null;
  last_status_code: number | null;
  created_at: number;
  updated_at: number;
}

/** One row per conversation with pending deliveries: its head, and the lease of its attempt in flight. */
export interface DeliveryHeadsTable {
  conversation_id: string;
  bot_id: string;
  /** The conversation's pending delivery with the lowest `message_counter`. */
  delivery_id: string;
  /** While an attempt is in flight; each claim sets a later value, so it also names the claim. */
  lease_until: number | null;
  /** When the head may be claimed: its next attempt time, or its lease's end when later. */
  ready_at: number;
  /** The instance whose claim holds the lease (`instances.id`); null without a lease, or when the claimer gave none. */
  leased_by: string | null;
}

/** One row per running instance sharing the database (PostgreSQL), kept fresh by its heartbeat. */
export interface InstancesTable {
  id: string;
  started_at: number;
  /** The instance's clock at its latest heartbeat, ms since the epoch. */
  heartbeat_at: number;
}

export interface AttemptsTable {
  delivery_id: string;
  number: number;
  attempted_at: number;
  url: string;
  status_code: number | null;
  latency_ms: number;
  outcome: Schemas['DeliveryAttempt']['outcome'];
  error: string | null;
  /** JSON object of the request's identifying and signing headers; null for attempts older than migration 0009. */
  request_headers: string | null;
  /** The raw body as signed. */
  request_body: string | null;
}

export interface IdempotencyKeysTable {
  bot_id: string;
  key: string;
  request_hash: string;
  /** JSON of the first answer. */
  response: string;
  created_at: number;
  expires_at: number;
}


export interface EventsTable {
  /** Generated: increases with every event. */
  id: Generated<number>;
  bot_id: string;
  sender_id: string;
  type: 'message.created' | 'delivery.updated';
  /** JSON of the event without its id. */
  body: string;
  created_at: number;
}

export interface Schema {
  bots: BotsTable;
  channels: ChannelsTable;
  previous_secrets: PreviousSecretsTable;
  conversations: ConversationsTable;
  messages: MessagesTable;
  deliveries: DeliveriesTable;
  delivery_heads: DeliveryHeadsTable;
  instances: InstancesTable;
  attempts: AttemptsTable;
  idempotency_keys: IdempotencyKeysTable;
  events: EventsTable;
}
