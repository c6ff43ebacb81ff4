import { randomBytes } from 'node:crypto';
import { formatSigningSecret, MIN_SECRET_BYTES } from '../../contract/signing-secret.js';

/**
 * How many replaced secrets may sign at once (the spec's maxItems of
 * `WebhookSecret.previousSecrets`): a rotation past it is refused rather than cutting a promised
 * grace period short, and a webhook carries at most this many signatures plus one.
 */
export const MAX_PREVIOUS_SECRETS = 10;

/**
 * A new Standard Webhooks secret: `whsec_` and the base64 of 24 random bytes (192 bits), the
 * contract core's minimum, which the receiver kit accepts.
 * @see https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#signature-scheme
 */
export function generateSigningSecret(): string {
  return formatSigningSecret(randomBytes(MIN_SECRET_BYTES));
}
