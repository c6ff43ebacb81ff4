/**
 * Signing secrets, the one rule for the server (which makes them) and the receiver kit (which
 * verifies with them): `whsec_` followed by the base64 of 24 to 64 random bytes.
 * @see https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#signature-scheme
 *   ("random, at least 24 bytes, 512 bits maximum; base64, prefixed with `whsec_`")
 */
import { decodeBase64, encodeBase64 } from './base64.js';

/** What every secret starts with; it may be left out when a secret is given, as the reference libraries allow. */
export const SECRET_PREFIX = 'whsec_';
/** The fewest key bytes a secret may have (192 bits). */
export const MIN_SECRET_BYTES = 24;
/** The most key bytes a secret may have (512 bits). */
export const MAX_SECRET_BYTES = 64;

/** A secret's key bytes, or why it is not a secret (the message never echoes the secret). */
export type SecretReading = { bytes: Uint8Array<ArrayBuffer>; problem?: never } | { bytes?: never; problem: string };

/**
 * Reads a secret: its key bytes, or the problem with it.
 *
 * @example readSigningSecret('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw').bytes?.length // 24
 */
export function readSigningSecret(secret: unknown): SecretReading {
  if (typeof secret !== 'string') return { problem: `A secret must be a string (${SECRET_PREFIX}…).` };
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const bytes = decodeBase64(encoded);
  if (!bytes) return { problem: `The secret is not ${SECRET_PREFIX} followed by base64.` };
  if (bytes.length < MIN_SECRET_BYTES || bytes.length > MAX_SECRET_BYTES) {
    return { problem: `The secret decodes to ${bytes.length} bytes; Standard Webhooks secrets have ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES}.` };
  }
  return { bytes };
}

/**
 * A secret for key bytes made by a cryptographic random source; throws a `RangeError` for a
 * length outside 24–64.
 *
 * @example formatSigningSecret(crypto.getRandomValues(new Uint8Array(MIN_SECRET_BYTES)))
 */
export function formatSigningSecret(bytes: Uint8Array): string {
  if (bytes.length < MIN_SECRET_BYTES || bytes.length > MAX_SECRET_BYTES) {
    throw new RangeError(`A signing secret has ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes, not ${bytes.length}.`);
  }
  return SECRET_PREFIX + encodeBase64(bytes);
}
