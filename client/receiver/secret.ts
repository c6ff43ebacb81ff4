/**
 * Signing secrets: `whsec_` and the base64 of 24 to 64 random bytes, turned into HMAC-SHA256 keys.
 *
 * @see https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#signature-scheme
 *   ("Signing secret: random, at least 24 bytes, 512 bits maximum; base64, prefixed with `whsec_`")
 */
import { decodeBase64 } from './base64.js';
import { WebhookVerificationError } from './errors.js';

const SECRET_PREFIX = 'whsec_';
const MIN_SECRET_BYTES = 24;
const MAX_SECRET_BYTES = 64;

/**
 * The key bytes of a secret. The `whsec_` prefix may be left out, as the Standard Webhooks
 * libraries allow. Throws `invalid_secret` for anything else, without echoing the secret.
 */
export function secretBytes(secret: string): Uint8Array<ArrayBuffer> {
  if (typeof secret !== 'string') {
    throw new WebhookVerificationError('invalid_secret', 'A secret must be a string (whsec_…).');
  }
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const bytes = decodeBase64(encoded);
  if (!bytes) {
    throw new WebhookVerificationError('invalid_secret', 'The secret is not whsec_ followed by base64.');
  }
  if (bytes.length < MIN_SECRET_BYTES || bytes.length > MAX_SECRET_BYTES) {
    throw new WebhookVerificationError(
      'invalid_secret',
      `The secret decodes to ${bytes.length} bytes; Standard Webhooks secrets have ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES}.`,
    );
  }
  return bytes;
}

/** An HMAC-SHA256 key usable with `crypto.subtle.sign` and `crypto.subtle.verify`. */
export async function importSecret(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', secretBytes(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

/** Normalizes `secret | secret[]` to a non-empty list of keys; an empty list is `invalid_secret`. */
export async function importSecrets(secrets: string | readonly string[]): Promise<CryptoKey[]> {
  const list = typeof secrets === 'string' ? [secrets] : [...(secrets ?? [])];
  if (list.length === 0) {
    throw new WebhookVerificationError('invalid_secret', 'No secret was given to verify with.');
  }
  return Promise.all(list.map(importSecret));
}
