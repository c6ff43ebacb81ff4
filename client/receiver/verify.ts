/**
 * Verifying a `botMessage` delivery end to end: signature (signature.ts), then the body, which
 * must be JSON and a `BotMessageEvent` per the spec, then, optionally, the verify token.
 */
import { constantTimeEqual } from './constant-time.js';
import { WebhookVerificationError } from './errors.js';
import { botMessageEventErrors, type BotMessageEvent } from './event.js';
import type { HeadersLike } from './headers.js';
import { importSecret, secretBytes } from './secret.js';
import { checkSignature, type SignatureCheckOptions, type SignedMetadata } from './signature.js';

export interface VerifyOptions extends SignatureCheckOptions {
  /**
   * When set, the body's `verifyToken` must equal it (`verify_token_mismatch` otherwise): the
   * check receivers written for the platform's old way rely on. It adds to the signature; it
   * never replaces it.
   */
  verifyToken?: string;
}

/** A verified delivery: the typed event and the signed metadata (dedupe on `webhookId`). */
export interface VerifiedWebhook extends SignedMetadata {
  event: BotMessageEvent;
}

export interface WebhookVerifier {
  verify(rawBody: string | Uint8Array, headers: HeadersLike): Promise<VerifiedWebhook>;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * A verifier that imports its secrets once. A malformed secret throws `invalid_secret` here,
 * at start, rather than on the first delivery.
 *
 * @example
 * const verifier = createWebhookVerifier([process.env.WEBHOOK_SECRET!, process.env.WEBHOOK_PREVIOUS_SECRET!]);
 * const { event, webhookId } = await verifier.verify(rawBody, request.headers);
 */
export function createWebhookVerifier(secrets: string | readonly string[], options: VerifyOptions = {}): WebhookVerifier {
  const list = typeof secrets === 'string' ? [secrets] : [...(secrets ?? [])];
  if (list.length === 0) throw new WebhookVerificationError('invalid_secret', 'No secret was given to verify with.');
  list.forEach(secretBytes);
  let keys: Promise<CryptoKey[]> | undefined;
  return {
    async verify(rawBody, headers) {
      keys ??= Promise.all(list.map(importSecret));
      const signed = await checkSignature(rawBody, headers, await keys, options);
      return { ...signed, event: parseEvent(rawBody, options.verifyToken) };
    },
  };
}

/**
 * Verifies a delivery and answers its typed event. Pass the body exactly as received: a body
 * parsed and serialized again no longer matches its signature.
 *
 * Checks, in order: secrets (`invalid_secret`), headers (`missing_header`, `invalid_header`),
 * timestamp (`timestamp_too_old`, `timestamp_too_new`), signature (`no_matching_signature`),
 * body (`invalid_json`, `invalid_body`), verify token (`verify_token_mismatch`). Throws
 * `WebhookVerificationError` with that `reason`.
 *
 * @see https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#verifying-signatures
 * @example
 * const event = await verifyWebhook(rawBody, request.headers, process.env.WEBHOOK_SECRET!);
 * switch (event.message.type) {
 *   case 'text': console.log(event.message.text); break;
 *   case 'carousel': console.log(event.message.attachment.payload.elements.length, 'cards'); break;
 * }
 */
export async function verifyWebhook(
  rawBody: string | Uint8Array,
  headers: HeadersLike,
  secrets: string | readonly string[],
  options: VerifyOptions = {},
): Promise<BotMessageEvent> {
  return (await createWebhookVerifier(secrets, options).verify(rawBody, headers)).event;
}

function parseEvent(rawBody: string | Uint8Array, verifyToken: string | undefined): BotMessageEvent {
  let body: unknown;
  try {
    body = JSON.parse(typeof rawBody === 'string' ? rawBody : decoder.decode(rawBody));
  } catch {
    throw new WebhookVerificationError('invalid_json', 'The body is not JSON (UTF-8).');
  }
  const errors = botMessageEventErrors(body);
  if (errors.length > 0) {
    const summary = errors.slice(0, 3).map((e) => `${e.location} ${e.message}`).join('; ');
    throw new WebhookVerificationError('invalid_body', `The body is not a valid BotMessageEvent: ${summary}`, errors);
  }
  const event = body as BotMessageEvent;
  // A body without a token (a channel configured without one) does not match a configured token.
  if (verifyToken !== undefined && (event.verifyToken === undefined || !constantTimeEqual(event.verifyToken, verifyToken))) {
    throw new WebhookVerificationError('verify_token_mismatch', "The body's verifyToken is not the one configured.");
  }
  return event;
}
