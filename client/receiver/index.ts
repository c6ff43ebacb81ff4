/**
 * The receiver kit: verify bot-message webhooks (Standard Webhooks signatures, checked with
 * Web Crypto so it runs on Node 20+, Deno, Bun and edge runtimes), get them typed from the spec,
 * and receive them with Koa, node:http / Express, or any fetch-style runtime.
 */
export { verifyWebhook, createWebhookVerifier, type VerifyOptions, type VerifiedWebhook, type WebhookVerifier } from './verify.js';
export {
  signWebhook,
  webhookHeaders,
  verifyWebhookSignature,
  DEFAULT_TOLERANCE_SECONDS,
  WEBHOOK_ID_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  type SignatureCheckOptions,
  type SignedMetadata,
} from './signature.js';
export { WebhookVerificationError, VERIFICATION_FAILURE_REASONS, type VerificationFailureReason, type BodyError } from './errors.js';
export { isBotMessageEvent, botMessageEventErrors, type BotMessageEvent, type BotMessage, type BotMessageType, type BotMessageOf } from './event.js';
export { answerHandshake, type HandshakeAnswer } from './handshake.js';
export { memorySeenStore, type SeenStore, type MemorySeenStoreOptions } from './seen-store.js';
export {
  createWebhookReceiver,
  type WebhookReceiverOptions,
  type WebhookSecretOption,
  type WebhookContext,
  type ReceiverRequest,
  type ReceiverAnswer,
  type HandshakeEvent,
} from './receiver.js';
export { BodyTooLargeError, RawBodyUnavailableError, DEFAULT_MAX_BODY_BYTES } from './raw-body.js';
export { nodeWebhookHandler, type NodeWebhookExtra, type NodeRequestLike, type NodeResponseLike } from './node.js';
export { koaWebhookReceiver, type KoaWebhookReceiverOptions, type KoaWebhookExtra, type KoaContextLike, type KoaMiddlewareLike } from './koa.js';
export { fetchWebhookHandler, type FetchWebhookExtra } from './fetch.js';
export type { HeadersLike } from './headers.js';
