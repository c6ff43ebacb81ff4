/**
 * The Standard Webhooks symmetric signature: `v1,` and the base64 HMAC-SHA256, keyed with the
 * secret's bytes, of `{webhook-id}.{webhook-timestamp}.{raw body}`; several signatures are
 * space-separated in `webhook-signature` so that a secret can be rotated without downtime.
 *
 * @see https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#signature-scheme
 * @see https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#webhook-headers-sending-metadata-to-consumers
 * @see https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#verifying-signatures
 */
import { decodeBase64, encodeBase64 } from '../../contract/base64.js';
import { WebhookVerificationError } from './errors.js';
import { headerValue, type HeadersLike } from './headers.js';
import { importSecret, importSecrets } from './secret.js';

/** The three headers every delivery carries. */
export const WEBHOOK_ID_HEADER = 'webhook-id';
export const WEBHOOK_TIMESTAMP_HEADER = 'webhook-timestamp';
export const WEBHOOK_SIGNATURE_HEADER = 'webhook-signature';

/** How far `webhook-timestamp` may be from the receiver's clock, either way: 5 minutes, as the spec's libraries use. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** The version tag of symmetric (HMAC-SHA256) signatures; others (`v1a`, ed25519) are skipped. */
const SYMMETRIC_VERSION = 'v1';

const encoder = new TextEncoder();

export interface SignatureCheckOptions {
  /** Allowed distance between `webhook-timestamp` and now, in seconds. Default 300. */
  toleranceSeconds?: number;
  /** The clock, in milliseconds since the epoch (as `Date.now`). */
  now?: () => number;
}

/** What a valid signature vouches for besides the body. */
export interface SignedMetadata {
  webhookId: string;
  /** `webhook-timestamp`, seconds since the epoch. */
  timestamp: number;
}

function bodyBytes(rawBody: string | Uint8Array): Uint8Array {
  return typeof rawBody === 'string' ? encoder.encode(rawBody) : rawBody;
}

/** `{id}.{timestamp}.` followed by the body's bytes exactly as received (never re-encoded). */
function signedContent(webhookId: string, timestamp: number, body: Uint8Array): Uint8Array<ArrayBuffer> {
  const prefix = encoder.encode(`${webhookId}.${timestamp}.`);
  const content = new Uint8Array(prefix.length + body.length);
  content.set(prefix, 0);
  content.set(body, prefix.length);
  return content;
}

function toSeconds(timestamp: number | Date): number {
  const seconds = timestamp instanceof Date ? Math.floor(timestamp.getTime() / 1000) : timestamp;
  if (!Number.isSafeInteger(seconds) || seconds < 0) {
    throw new TypeError('The timestamp must be a Date or whole seconds since the epoch.');
  }
  return seconds;
}

/**
 * The `webhook-signature` value for a body: `v1,<base64>`, or one such signature per secret,
 * space-separated, when given several (as a sender does during a rotation).
 * Throws `WebhookVerificationError` `invalid_secret` for a malformed secret.
 *
 * @example
 * const signature = await signWebhook('whsec_…', 'msg_2Kq9ZrX8wH3nV5bT7yL1cD4f', 1732672800, body);
 * await fetch(url, { method: 'POST', body, headers: {
 *   'webhook-id': 'msg_2Kq9ZrX8wH3nV5bT7yL1cD4f', 'webhook-timestamp': '1732672800', 'webhook-signature': signature } });
 */
export async function signWebhook(
  secret: string | readonly string[],
  webhookId: string,
  timestamp: number | Date,
  rawBody: string | Uint8Array,
): Promise<string> {
  const content = signedContent(webhookId, toSeconds(timestamp), bodyBytes(rawBody));
  const secrets = typeof secret === 'string' ? [secret] : secret;
  const signatures = await Promise.all(
    secrets.map(async (s) => {
      const mac = await crypto.subtle.sign('HMAC', await importSecret(s), content);
      return `${SYMMETRIC_VERSION},${encodeBase64(new Uint8Array(mac))}`;
    }),
  );
  return signatures.join(' ');
}

/**
 * The three headers of a signed delivery, ready to send.
 *
 * @example
 * const headers = await webhookHeaders(secret, crypto.randomUUID(), new Date(), body);
 * await fetch(url, { method: 'POST', body, headers: { ...headers, 'content-type': 'application/json' } });
 */
export async function webhookHeaders(
  secret: string | readonly string[],
  webhookId: string,
  timestamp: number | Date,
  rawBody: string | Uint8Array,
): Promise<Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string>> {
  return {
    [WEBHOOK_ID_HEADER]: webhookId,
    [WEBHOOK_TIMESTAMP_HEADER]: String(toSeconds(timestamp)),
    [WEBHOOK_SIGNATURE_HEADER]: await signWebhook(secret, webhookId, timestamp, rawBody),
  } as Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string>;
}

function requiredHeader(headers: HeadersLike, name: string): string {
  const value = headerValue(headers, name);
  if (value === undefined || value === '') {
    throw new WebhookVerificationError('missing_header', `The ${name} header is missing.`);
  }
  return value;
}

/**
 * The `v1` signatures of the header, decoded, read exactly as the reference `standardwebhooks`
 * library reads them, so that both accept the same headers (test/receiver/signature-header-differential.test.ts):
 * entries are separated by single spaces (empty ones skipped), an entry is `version,signature`
 * (anything after a second comma ignored), other versions are skipped, and a signature counts
 * only as the canonical base64 of a MAC (the library compares the text itself). `wellFormed` is
 * false when no entry had the form `version,signature` at all.
 */
function symmetricSignatures(header: string): { signatures: Uint8Array<ArrayBuffer>[]; wellFormed: boolean } {
  const signatures: Uint8Array<ArrayBuffer>[] = [];
  let wellFormed = false;
  for (const entry of header.split(' ')) {
    const [version, signature] = entry.split(',');
    if (signature === undefined) continue;
    wellFormed = true;
    if (version !== SYMMETRIC_VERSION) continue;
    const bytes = decodeBase64(signature);
    if (bytes && encodeBase64(bytes) === signature) signatures.push(bytes);
  }
  return { signatures, wellFormed };
}

/**
 * Checks the headers, the timestamp and the signature of a raw body, in that order, and
 * answers what they vouch for. `verifyWebhook` adds the body's checks; use this alone for
 * bodies that are not bot messages (the Standard Webhooks test vector, for example).
 *
 * @example
 * const { webhookId } = await verifyWebhookSignature(rawBody, req.headers, ['whsec_new…', 'whsec_old…']);
 */
export async function verifyWebhookSignature(
  rawBody: string | Uint8Array,
  headers: HeadersLike,
  secrets: string | readonly string[],
  options: SignatureCheckOptions = {},
): Promise<SignedMetadata> {
  return checkSignature(rawBody, headers, await importSecrets(secrets), options);
}

/** `verifyWebhookSignature` with keys imported once, for verifiers that check many deliveries. */
export async function checkSignature(
  rawBody: string | Uint8Array,
  headers: HeadersLike,
  keys: readonly CryptoKey[],
  options: SignatureCheckOptions = {},
): Promise<SignedMetadata> {
  const webhookId = requiredHeader(headers, WEBHOOK_ID_HEADER);
  const timestampHeader = requiredHeader(headers, WEBHOOK_TIMESTAMP_HEADER);
  const signatureHeader = requiredHeader(headers, WEBHOOK_SIGNATURE_HEADER);

  if (!/^[0-9]{1,15}$/.test(timestampHeader)) {
    throw new WebhookVerificationError('invalid_header', `${WEBHOOK_TIMESTAMP_HEADER} is not whole seconds since the epoch.`);
  }
  const timestamp = Number(timestampHeader);
  // Replay protection: a captured delivery is useless once its signed timestamp is stale.
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const now = Math.floor((options.now ?? Date.now)() / 1000);
  if (now - timestamp > tolerance) {
    throw new WebhookVerificationError('timestamp_too_old', `The webhook was signed ${now - timestamp} s ago; at most ${tolerance} s are accepted.`);
  }
  if (timestamp - now > tolerance) {
    throw new WebhookVerificationError('timestamp_too_new', `The webhook is dated ${timestamp - now} s in the future; at most ${tolerance} s are accepted.`);
  }

  const { signatures, wellFormed } = symmetricSignatures(signatureHeader);
  if (!wellFormed) {
    throw new WebhookVerificationError('invalid_header', `${WEBHOOK_SIGNATURE_HEADER} is not a list of "version,signature" entries.`);
  }
  const content = signedContent(webhookId, timestamp, bodyBytes(rawBody));
  for (const key of keys) {
    for (const signature of signatures) {
      // subtle.verify compares the MACs in constant time.
      if (await crypto.subtle.verify('HMAC', key, signature, content)) return { webhookId, timestamp };
    }
  }
  throw new WebhookVerificationError(
    'no_matching_signature',
    `No ${SYMMETRIC_VERSION} signature in ${WEBHOOK_SIGNATURE_HEADER} matches the body and a known secret.`,
  );
}
