import { randomBytes } from 'node:crypto';

/**
 * A new Standard Webhooks secret: `whsec_` and the base64 of 24 random bytes (192 bits; the
 * specification asks for 24 to 64).
 * @see https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#signature-scheme
 */
export function generateSigningSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}
