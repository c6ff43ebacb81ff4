/**
 * Why a webhook was refused, as data: `reason` is what code (and tests) switch on; the message
 * is for people.
 */

/** Every reason `verifyWebhook` can refuse a delivery for. */
export const VERIFICATION_FAILURE_REASONS = [
  'missing_header',
  'invalid_header',
  'no_matching_signature',
  'timestamp_too_old',
  'timestamp_too_new',
  'invalid_json',
  'invalid_body',
  'verify_token_mismatch',
  'invalid_secret',
] as const;

export type VerificationFailureReason = (typeof VERIFICATION_FAILURE_REASONS)[number];

/** One failing field of an invalid body, as the API's problems name them (`body.message.text`). */
export interface BodyError {
  location: string;
  message: string;
}

/**
 * Thrown by `verifyWebhook` (and `signWebhook`, for a bad secret). Switch on `reason`.
 *
 * @example
 * try {
 *   event = await verifyWebhook(raw, headers, secret);
 * } catch (error) {
 *   if (error instanceof WebhookVerificationError && error.reason === 'timestamp_too_old') …
 * }
 */
export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
  readonly reason: VerificationFailureReason;
  /** For `invalid_body`: each failing field. */
  readonly errors: readonly BodyError[];

  constructor(reason: VerificationFailureReason, message: string, errors: readonly BodyError[] = []) {
    super(message);
    this.reason = reason;
    this.errors = errors;
  }
}
