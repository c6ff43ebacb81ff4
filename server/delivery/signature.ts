/**
 * Standard Webhooks signatures, the sending side.
 * @see https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#signature-scheme
 */
import { createHmac } from 'node:crypto';
import { readSigningSecret } from '../../contract/signing-secret.js';

export { SECRET_PREFIX } from '../../contract/signing-secret.js';

/** What one attempt signs: its bytes are exactly what goes over the wire. */
export interface SignedContent {
  webhookId: string;
  /** The `webhook-timestamp` header: whole seconds since the Unix epoch. */
  timestamp: number;
  body: string;
}

/**
 * The key bytes of a `whsec_` secret (the prefix is optional, as in the reference libraries),
 * by the contract core's rule, the one the receiver kit verifies with: 24 to 64 bytes of base64.
 * Throws a `TypeError` for anything else.
 */
export function secretKey(secret: string): Buffer {
  const reading = readSigningSecret(secret);
  if (reading.problem !== undefined) throw new TypeError(reading.problem);
  return Buffer.from(reading.bytes);
}

/**
 * One `v1,<base64>` signature: HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}`.
 *
 * @example sign('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', { webhookId: 'msg_p5jXN8AQM9LWM0D4loKWxJek', timestamp: 1614265330, body: '{"test": 2432232314}' })
 * // 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='
 */
export function sign(secret: string, content: SignedContent): string {
  const mac = createHmac('sha256', secretKey(secret))
    .update(`${content.webhookId}.${content.timestamp}.${content.body}`, 'utf8')
    .digest('base64');
  return `v1,${mac}`;
}

/** The `webhook-signature` header: one signature per secret, space separated, so a rotation loses nothing. */
export function signatureHeader(secrets: readonly string[], content: SignedContent): string {
  if (secrets.length === 0) throw new TypeError('at least one signing secret is needed');
  return secrets.map((secret) => sign(secret, content)).join(' ');
}

/**
 * The secrets that sign at `now`: the current one first, then every secret a rotation replaced
 * until its own grace period ends (`expiresAt`, exclusive), each once. A second rotation inside
 * the first one's grace period so takes nothing away from what the first answer promised.
 */
export function signingSecrets(
  channel: { secret: string; previousSecrets: readonly { secret: string; expiresAt: number }[] },
  now: number,
): string[] {
  const stillSigning = channel.previousSecrets.filter((p) => now < p.expiresAt).map((p) => p.secret);
  return [...new Set([channel.secret, ...stillSigning])];
}
