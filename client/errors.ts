/**
 * The client's two thrown errors. API errors are normally returned, not thrown (`{ error }`, the
 * spec's problem); only the paging iterators, which cannot return them, throw `WebhookChannelApiError`.
 */
import type { components } from '../spec/generated/api.js';

/** An RFC 9457 problem, as every error of the API is. */
export type Problem = components['schemas']['Problem'];

/**
 * No answer came: the connection failed or timed out on every attempt.
 *
 * @example
 * try { await client.getWebhook('demo'); }
 * catch (error) { if (error instanceof WebhookChannelNetworkError) console.warn(error.attempts, error.cause); }
 */
export class WebhookChannelNetworkError extends Error {
  override readonly name = 'WebhookChannelNetworkError';
  /** How many attempts were made. */
  readonly attempts: number;

  constructor(message: string, attempts: number, cause: unknown) {
    super(message, { cause });
    this.attempts = attempts;
  }
}

/**
 * An error answer met while paging (`history`, `deliveries`), where it cannot be returned.
 *
 * @example
 * try { for await (const row of client.history('demo', senderId)) … }
 * catch (error) { if (error instanceof WebhookChannelApiError && error.status === 404) … }
 */
export class WebhookChannelApiError extends Error {
  override readonly name = 'WebhookChannelApiError';
  readonly status: number;
  /** The problem body, or its text when it was not JSON. */
  readonly problem: Problem | string | undefined;
  readonly response: Response;

  constructor(problem: Problem | string | undefined, response: Response) {
    const detail = typeof problem === 'object' && problem ? (problem.detail ?? problem.title) : problem;
    super(`${response.status} ${detail ?? response.statusText}`.trim());
    this.status = response.status;
    this.problem = problem;
    this.response = response;
  }
}
