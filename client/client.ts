/**
 * The typed client: openapi-fetch over the generated `paths`, with safe defaults (timeouts,
 * retries of what is safe to repeat, an `Idempotency-Key` on every send), and convenience
 * methods for the common calls. Every method answers `{ data } | { error }` like openapi-fetch;
 * `data` is read by the answer's media type (`EVENT_RECEIVED` is a string), and `error` is
 * always a problem with the answer's `status`, even when the body was empty or HTML.
 */
import createClient, { type Client, type HeadersOptions, type Middleware } from 'openapi-fetch';
import type { components, paths } from '../spec/generated/api.js';
import { followEvents, type StreamEvent } from './event-stream.js';
import { cursorPaged, offsetPaged, type Paged } from './pages.js';
import { byMediaType } from './responses.js';
import { DEFAULT_RETRY_POLICY, retryingFetch, type RetryPolicy } from './retrying-fetch.js';

type Schemas = components['schemas'];
export type SendMessageRequest = Schemas['SendMessageRequest'];
/** The platform's message body, sent to a channel's `messagesUrl` (`sendChannelMessage`). */
export type ChannelMessageRequest = Schemas['ChannelMessageRequest'];
export type UserMessage = Schemas['UserMessage'];
export type Sender = Schemas['Sender'];
export type WebhookChannelInput = Schemas['WebhookChannelInput'];
export type HistoryRow = Schemas['HistoryRow'];
export type HistoryPage = Schemas['HistoryPage'];
export type Delivery = Schemas['Delivery'];
export type DeliveryPage = Schemas['DeliveryPage'];
export type DeliveryStatus = Schemas['DeliveryStatus'];

export interface WebhookChannelClientOptions {
  /** Where the API is: `http://127.0.0.1:3000`, or `http://127.0.0.1:4010` for the mock. */
  baseUrl: string;
  /** The bot's API token, sent as `Authorization: Bearer …`. Only the public operations answer without it. */
  token?: string;
  /** A fetch to send with (`(request: Request) => Promise<Response>`); the global one by default. */
  fetch?: (request: Request) => Promise<Response>;
  /** Time allowed for each attempt. Default 10 000 ms. */
  timeoutMs?: number;
  /** Retries of calls safe to repeat, on network errors, 429 and 5xx. Default 2. */
  retries?: number;
  /** Headers sent with every request. */
  headers?: HeadersOptions;
  /** Makes the `Idempotency-Key` of each send. Default `crypto.randomUUID`. */
  idempotencyKey?: () => string;
  /** The wait between attempts; tests inject a fake. */
  sleep?: RetryPolicy['sleep'];
  /** The clock, in ms, used for `Retry-After` dates. */
  now?: () => number;
  /** Jitter source in [0, 1). */
  random?: () => number;
}

export interface SendOptions {
  /** Sent as `Idempotency-Key`; one is made when absent, so retries are safe. */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

export interface SendTextOptions extends SendOptions {
  /** The user's name and locale, besides the id. */
  sender?: Omit<Sender, 'id'>;
  /** Session variables to set before the bot runs. */
  sessionData?: SendMessageRequest['sessionData'];
}

const SEND_MESSAGE_PATH = '/v1/bots/{botId}/channels/webhook/messages' satisfies keyof paths;
const CHANNEL_MESSAGES_PATH = '/v1/channels/webhook/{channelId}/messages' satisfies keyof paths;
const CHANNEL_PATH = '/v1/bots/{botId}/channels/webhook' satisfies keyof paths;
const SECRET_PATH = '/v1/bots/{botId}/channels/webhook/secret' satisfies keyof paths;
const ROTATE_PATH = '/v1/bots/{botId}/channels/webhook/secret/rotate' satisfies keyof paths;
const DELIVERIES_PATH = '/v1/bots/{botId}/channels/webhook/deliveries' satisfies keyof paths;
const DELIVERY_PATH = '/v1/bots/{botId}/channels/webhook/deliveries/{deliveryId}' satisfies keyof paths;
const REDELIVER_PATH = '/v1/bots/{botId}/channels/webhook/deliveries/{deliveryId}/redeliver' satisfies keyof paths;
const HISTORY_PATH = '/v1/bots/{botId}/conversations/{senderId}/messages' satisfies keyof paths;
const SESSION_PATH = '/v1/bots/{botId}/conversations/{senderId}/session' satisfies keyof paths;

function checkOptions(options: WebhookChannelClientOptions): void {
  let url: URL | undefined;
  try {
    url = new URL(options?.baseUrl);
  } catch {
    url = undefined;
  }
  if (!url || !/^https?:$/.test(url.protocol)) throw new TypeError(`baseUrl must be an http(s) URL, got ${String(options?.baseUrl)}.`);
  if (options.retries !== undefined && !(Number.isInteger(options.retries) && options.retries >= 0)) {
    throw new RangeError('retries must be a whole number, 0 or more.');
  }
  if (options.timeoutMs !== undefined && !(options.timeoutMs > 0)) throw new RangeError('timeoutMs must be positive.');
}

/**
 * A client for the Webhook channel API.
 *
 * @example
 * const client = createWebhookChannelClient({ baseUrl: 'http://127.0.0.1:3000', token: process.env.BOT_TOKEN });
 * const { data, error } = await client.sendText('demo', 'a7355930-fa92-11e7-8308-2f056e75d1ee', 'Hello');
 * if (error) console.error(error.status, error.title, error.errors);
 * else console.log('accepted as', data.messageId);
 *
 * // Every operation of the spec, typed, through openapi-fetch:
 * await client.api.GET('/v1/bots/{botId}/conversations/{senderId}/session', { params: { path: { botId: 'demo', senderId } } });
 */
export function createWebhookChannelClient(options: WebhookChannelClientOptions) {
  checkOptions(options);
  const policy: RetryPolicy = {
    ...DEFAULT_RETRY_POLICY,
    ...(options.retries !== undefined && { retries: options.retries }),
    ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
    ...(options.sleep && { sleep: options.sleep }),
    ...(options.now && { now: options.now }),
    ...(options.random && { random: options.random }),
  };
  const newIdempotencyKey = options.idempotencyKey ?? (() => crypto.randomUUID());
  const baseFetch = options.fetch ?? ((request: Request) => globalThis.fetch(request));

  // Each answer read by its media type, each error answer a problem (responses.ts).
  const api: Client<paths> = byMediaType(
    createClient<paths>({
      baseUrl: options.baseUrl,
      fetch: retryingFetch(baseFetch, policy),
      headers: { ...(options.token !== undefined && { Authorization: `Bearer ${options.token}` }), ...headersRecord(options.headers) },
    }),
  );
  // Every send carries an Idempotency-Key, also through `api`, so that retrying it is safe.
  const idempotentSends: Middleware = {
    onRequest({ request, schemaPath }) {
      const isSend = schemaPath === SEND_MESSAGE_PATH || schemaPath === CHANNEL_MESSAGES_PATH;
      if (isSend && request.method === 'POST' && !request.headers.has('idempotency-key')) {
        request.headers.set('Idempotency-Key', newIdempotencyKey());
      }
    },
  };
  api.use(idempotentSends);

  /**
   * Sends one user message (`sendMessage`).
   * @example await client.sendMessage('demo', { sender: { id: senderId }, message: { type: 'location', coordinates: { lat: 51.2, long: 4.4 } } });
   */
  function sendMessage(botId: string, body: SendMessageRequest, { idempotencyKey, signal }: SendOptions = {}) {
    return api.POST(SEND_MESSAGE_PATH, {
      params: { path: { botId }, header: { 'Idempotency-Key': idempotencyKey ?? newIdempotencyKey() } },
      body,
      signal,
    });
  }

  return {
    /** The typed core: every operation of the spec (`api.GET`, `api.POST`, …), with the same timeouts and retries. */
    api,
    sendMessage,

    /**
     * Sends one user message in the platform's form to a channel (`sendChannelMessage`): what an
     * integration written for Chatlayer.ai's Webhook channel sends to the channel's `messagesUrl`.
     * @example await client.sendChannelMessage(channel.id, { conversationId, message: { postbackMessage: { title: 'Carousel' } } });
     */
    sendChannelMessage(channelId: string, body: ChannelMessageRequest, { idempotencyKey, signal }: SendOptions = {}) {
      return api.POST(CHANNEL_MESSAGES_PATH, {
        params: { path: { channelId }, header: { 'Idempotency-Key': idempotencyKey ?? newIdempotencyKey() } },
        body,
        signal,
      });
    },

    /**
     * Sends what the user typed.
     * @example await client.sendText('demo', senderId, 'What can you show me?', { sender: { firstName: 'Ada', locale: 'en' } });
     */
    sendText(botId: string, senderId: string, text: string, { sender, sessionData, ...send }: SendTextOptions = {}) {
      return sendMessage(botId, { sender: { ...sender, id: senderId }, message: { type: 'text', text }, ...(sessionData && { sessionData }) }, send);
    },

    /**
     * Sends a click on a button or quick reply: its `payload`, unchanged, and its title for the history.
     * @example await client.sendPostback('demo', senderId, 'show-carousel', 'Carousel');
     */
    sendPostback(botId: string, senderId: string, payload: string, title?: string, send: SendOptions = {}) {
      return sendMessage(botId, { sender: { id: senderId }, message: { type: 'postback', payload, ...(title !== undefined && { title }) } }, send);
    },

    /**
     * Sets the webhook URL and verify token; the server runs the `hub.challenge` handshake first (422 if it fails),
     * unless `handshake` is `false` (receivers that implement only POST). The answer has the channel's `messagesUrl`.
     * @example await client.configureWebhook('demo', { url: 'https://bots.example.com/webhook', verifyToken: '8wMsLZkdDPT64nqh' });
     * @example await client.configureWebhook('demo', { url: 'https://bots.example.com/webhook', handshake: false });
     */
    configureWebhook(botId: string, input: WebhookChannelInput) {
      return api.PUT(CHANNEL_PATH, { params: { path: { botId } }, body: input });
    },

    /** The channel's configuration. @example const { data } = await client.getWebhook('demo'); */
    getWebhook(botId: string) {
      return api.GET(CHANNEL_PATH, { params: { path: { botId } } });
    },

    /** Removes the configuration and its secret (`204`). @example await client.deleteWebhook('demo'); */
    deleteWebhook(botId: string) {
      return api.DELETE(CHANNEL_PATH, { params: { path: { botId } } });
    },

    /**
     * The signing secret, and during a rotation every replaced secret that still signs
     * (`previousSecrets`, each with its `expiresAt`): verify with all of them.
     * @example const { data } = await client.getSecret('demo'); const secrets = [data!.secret, ...(data!.previousSecrets ?? []).map((p) => p.secret)];
     */
    getSecret(botId: string) {
      return api.GET(SECRET_PATH, { params: { path: { botId } } });
    },

    /**
     * Makes a new signing secret; each replaced secret keeps signing until its own grace period
     * ends, rotations in quick succession included. Never retried; a rotation while 10 replaced
     * secrets still sign gets a 429 `too-many-rotations` error. @example await client.rotateSecret('demo');
     */
    rotateSecret(botId: string) {
      return api.POST(ROTATE_PATH, { params: { path: { botId } } });
    },

    /**
     * The conversation's messages, oldest first, fetched page by page (offset/limit).
     * @example for await (const row of client.history('demo', senderId)) console.log(row.actor, row.message.type);
     */
    history(botId: string, senderId: string, { pageSize, offset }: { pageSize?: number; offset?: number } = {}): Paged<HistoryRow, HistoryPage> {
      return offsetPaged<HistoryRow, HistoryPage>(
        (at) => api.GET(HISTORY_PATH, { params: { path: { botId, senderId }, query: { offset: at, limit: pageSize } } }),
        offset,
      );
    },

    /**
     * The delivery log, newest first, following `nextCursor`.
     * @example for await (const delivery of client.deliveries('demo', { status: 'failed' })) await client.redeliver('demo', delivery.id);
     */
    deliveries(botId: string, { status, senderId, pageSize }: { status?: DeliveryStatus; senderId?: string; pageSize?: number } = {}): Paged<Delivery, DeliveryPage> {
      return cursorPaged<Delivery, DeliveryPage>((cursor) =>
        api.GET(DELIVERIES_PATH, { params: { path: { botId }, query: { status, senderId, cursor, limit: pageSize } } }),
      );
    },

    /** A delivery with its webhook body and every attempt. @example const { data } = await client.getDelivery('demo', 'dlv_…'); */
    getDelivery(botId: string, deliveryId: string) {
      return api.GET(DELIVERY_PATH, { params: { path: { botId, deliveryId } } });
    },

    /** Schedules a delivery again, with the same `webhook-id`. Never retried. @example await client.redeliver('demo', 'dlv_…'); */
    redeliver(botId: string, deliveryId: string) {
      return api.POST(REDELIVER_PATH, { params: { path: { botId, deliveryId } } });
    },

    /** The conversation's session variables. @example const { data } = await client.getSession('demo', senderId); */
    getSession(botId: string, senderId: string) {
      return api.GET(SESSION_PATH, { params: { path: { botId, senderId } } });
    },

    /**
     * The bot's events, live (Server-Sent Events), reconnecting with `Last-Event-ID` by itself:
     * every user and bot message and every delivery update, once each, in order, until `signal`
     * aborts. Throws `EventStreamRefusedError` when the server refuses it (a wrong token: 401).
     * @example for await (const e of client.events('demo', { signal })) if (e.type === 'delivery.updated') console.log(e.delivery.status);
     */
    events(botId: string, { after, senderId, signal }: { after?: string; senderId?: string; signal?: AbortSignal } = {}): AsyncGenerator<StreamEvent, void, undefined> {
      if (!options.token) throw new TypeError('events() needs the bot token: pass `token` to createWebhookChannelClient.');
      return followEvents({ baseUrl: options.baseUrl, token: options.token, botId, after, senderId, signal });
    },
  };
}

/** What `createWebhookChannelClient` returns. */
export type WebhookChannelClient = ReturnType<typeof createWebhookChannelClient>;

function headersRecord(headers: HeadersOptions | undefined): Record<string, string> {
  if (!headers) return {};
  const record: Record<string, string> = {};
  if (headers instanceof Headers || Array.isArray(headers)) {
    new Headers(headers as HeadersInit).forEach((value, key) => (record[key] = value));
    return record;
  }
  for (const [key, value] of Object.entries(headers)) {
    if (value !== null && value !== undefined) record[key] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return record;
}
