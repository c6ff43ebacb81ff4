import { randomBytes } from 'node:crypto';
import { formatSigningSecret, MIN_SECRET_BYTES } from '../../contract/signing-secret.js';

/**
 * A new Standard Webhooks secret: `whsec_` and the base64 of 24 random bytes (192 bits), the
 * contract core's minimum, which the receiver kit accepts.
 * @see https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#signature-scheme
 */
export function generateSigningSecret(): string {
  return formatSigningSecret(randomBytes(MIN_SECRET_BYTES));
}
