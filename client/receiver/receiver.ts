/**
 * The receiver, whatever the framework: answers the handshake, verifies each delivery, drops
 * duplicates, and hands the typed event to `onMessage`. The adapters (node.ts, koa.ts,
 * fetch.ts) only translate requests and answers.
 *
 * Answers: `200` handled (or a duplicate, already handled); `401` refused (bad signature,
 * stale timestamp, missing header…); `400` a body that is not a valid `BotMessageEvent`;
 * `409` the same `webhook-id` is being handled right now; `413` body too large; `500` the
 * handler threw (so the sender retries). Any non-2xx makes the platform retry.
 */
import { WebhookVerificationError } from './errors.js';
import type { BotMessageEvent } from './event.js';
import { answerHandshake } from './handshake.js';
import type { HeadersLike } from './headers.js';
import { BodyTooLargeError, DEFAULT_MAX_BODY_BYTES, RawBodyUnavailableError } from './raw-body.js';
import { memorySeenStore, type SeenStore } from './seen-store.js';
import { createWebhookVerifier, type VerifyOptions } from './verify.js';

/** What `onMessage` learns besides the event. */
export interface WebhookContext {
  /** The delivery's `webhook-id`, the same on every attempt. */
  webhookId: string;
  /** The attempt's `webhook-timestamp`, seconds since the epoch. */
  timestamp: number;
}

export type WebhookSecretOption =
  | { /** The signing secret, or several during a rotation. */ secret: string | readonly string[]; secrets?: never }
  | { /** The signing secrets (current and previous, during a rotation). */ secrets: string | readonly string[]; secret?: never };

export type WebhookReceiverOptions<Extra = object> = WebhookSecretOption &
  Pick<VerifyOptions, 'toleranceSeconds' | 'now'> & {
    /** The verify token you chose when configuring the channel; answers the `hub.challenge` handshake. Without it every handshake is refused. */
    verifyToken?: string;
    /** Called once per delivery with the verified event; throw to have the delivery retried. */
    onMessage: (event: BotMessageEvent, context: WebhookContext & Extra) => void | Promise<void>;
    /** Where handled `webhook-id`s are remembered; in memory by default, `false` to handle duplicates too. */
    seenStore?: SeenStore | false;
    /** Larger bodies are answered `413`. Default 1 MiB. */
    maxBodyBytes?: number;
    /** Told about every refused delivery and every handler error. Default: handler errors go to `console.error`. */
    onError?: (error: unknown) => void;
    /** Told about every verification handshake (GET) and how it was answered: to log it. */
    onHandshake?: (handshake: HandshakeEvent) => void;
    /** Told about every delivery acknowledged without calling `onMessage`, because its `webhook-id` was handled before. */
    onDuplicate?: (context: WebhookContext & Extra) => void;
  };

/** A verification handshake as the receiver answered it. */
export interface HandshakeEvent {
  /** `200` (the challenge echoed) or `403`. */
  status: 200 | 403;
  /** `hub.challenge` as received, or `null`. */
  challenge: string | null;
  /** Why it was refused: `not a verification request` or `verify_token_mismatch`. */
  refusal?: string;
}

/** A request as the adapters see it. */
export interface ReceiverRequest {
  method: string;
  query: URLSearchParams;
  headers: HeadersLike;
  /** The raw body; may throw `BodyTooLargeError` or `RawBodyUnavailableError`. */
  body(): Promise<string | Uint8Array>;
}

export interface ReceiverAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const TEXT = { 'content-type': 'text/plain; charset=utf-8' };

function answer(status: number, body: string, headers: Record<string, string> = {}): ReceiverAnswer {
  return { status, headers: { ...TEXT, ...headers }, body };
}

function statusForRefusal(error: WebhookVerificationError): number {
  if (error.reason === 'invalid_json' || error.reason === 'invalid_body') return 400;
  if (error.reason === 'invalid_secret') return 500;
  return 401;
}

function defaultOnError(error: unknown): void {
  if (!(error instanceof WebhookVerificationError)) console.error('webhook receiver:', error);
}

/**
 * The framework-neutral receiver that `nodeWebhookHandler`, `koaWebhookReceiver` and
 * `fetchWebhookHandler` wrap; use it to plug the kit into another framework.
 *
 * @example
 * const receive = createWebhookReceiver({ secret, verifyToken, onMessage: (event) => inbox.push(event) });
 * const { status, headers, body } = await receive({ method, query, headers: reqHeaders, body: () => readBody() }, {});
 */
export function createWebhookReceiver<Extra extends object = object>(
  options: WebhookReceiverOptions<Extra>,
): (request: ReceiverRequest, extra: Extra) => Promise<ReceiverAnswer> {
  if (typeof options?.onMessage !== 'function') throw new TypeError('onMessage must be a function.');
  const secrets = options.secret ?? options.secrets;
  const verifier = createWebhookVerifier(secrets as string | readonly string[], {
    toleranceSeconds: options.toleranceSeconds,
    now: options.now,
  });
  const seen = options.seenStore === false ? undefined : (options.seenStore ?? memorySeenStore({ now: options.now }));
  const onError = options.onError ?? defaultOnError;
  // Ids being handled right now: a concurrent duplicate must not run the handler a second time.
  const inFlight = new Set<string>();

  return async function receive(request, extra) {
    const method = request.method.toUpperCase();
    if (method === 'GET') {
      const handshake = answerHandshake(request.query, options.verifyToken);
      options.onHandshake?.({
        status: handshake.status,
        challenge: request.query.get('hub.challenge'),
        ...(handshake.status !== 200 && { refusal: handshake.body }),
      });
      return answer(handshake.status, handshake.body);
    }
    if (method !== 'POST') return answer(405, 'method_not_allowed', { allow: 'GET, POST' });

    let verified;
    try {
      verified = await verifier.verify(await request.body(), request.headers);
    } catch (error) {
      onError(error);
      if (error instanceof WebhookVerificationError) return answer(statusForRefusal(error), error.reason);
      if (error instanceof BodyTooLargeError) return answer(413, 'body_too_large');
      if (error instanceof RawBodyUnavailableError) return answer(500, 'raw_body_unavailable');
      return answer(500, 'internal_error');
    }

    const { event, webhookId, timestamp } = verified;
    if (inFlight.has(webhookId)) return answer(409, 'in_progress');
    inFlight.add(webhookId);
    try {
      try {
        if (seen && (await seen.has(webhookId))) {
          options.onDuplicate?.({ ...extra, webhookId, timestamp });
          return answer(200, 'duplicate');
        }
        await options.onMessage(event, { ...extra, webhookId, timestamp });
      } catch (error) {
        onError(error);
        return answer(500, 'handler_failed');
      }
      // The message was handled: a store that fails to remember it must not make it run again.
      try {
        if (seen) await seen.add(webhookId);
      } catch (error) {
        onError(error);
      }
      return answer(200, 'ok');
    } finally {
      inFlight.delete(webhookId);
    }
  };
}

