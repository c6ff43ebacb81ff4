/**
 * Signing secrets turned into HMAC-SHA256 keys. What a secret is (`whsec_` and the base64 of
 * 24 to 64 bytes) is the contract core's rule, the same the server makes secrets by.
 */
import { readSigningSecret } from '../../contract/signing-secret.js';
import { WebhookVerificationError } from './errors.js';

/**
 * The key bytes of a secret. The `whsec_` prefix may be left out, as the Standard Webhooks
 * libraries allow. Throws `invalid_secret` for anything else, without echoing the secret.
 */
export function secretBytes(secret: string): Uint8Array<ArrayBuffer> {
  const reading = readSigningSecret(secret);
  if (reading.problem !== undefined) throw new WebhookVerificationError('invalid_secret', reading.problem);
  return reading.bytes;
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
