/**
 * The built-in test receiver: a webhook receiver inside the server, so that a newcomer sees
 * signed deliveries with nothing else running. A channel configured with its URL
 * (`http://test-receiver.internal/bots/{botId}`) is delivered to in this process: the worker
 * hands the request here instead of opening a connection, and nothing else about the URL rules
 * changes (the `.internal` name is never resolved or connected to). Each webhook is verified with
 * the receiver kit against the channel's current secrets and kept in a small inbox per bot.
 */
import { performance } from 'node:perf_hooks';
import { verifyWebhook } from '../../client/receiver/index.js';
import { WebhookVerificationError } from '../../client/receiver/errors.js';
import type { Clock } from '../clock.js';
import { findChannel, type Db } from '../store/index.js';
import type { AttemptOutcome } from './attempt-outcome.js';
import { signingSecrets } from './signature.js';

/** Reserved for private use (ICANN, 2024): never a public name, and this server never resolves it. */
export const TEST_RECEIVER_ORIGIN = 'http://test-receiver.internal';
/** Entries kept per bot, newest first. */
export const TEST_RECEIVER_INBOX_SIZE = 50;

export interface TestReceiverEntry {
  receivedAt: number;
  webhookId: string;
  verified: boolean;
  reason?: string;
  headers: Record<string, string>;
  body: string;
}

/** The URL that delivers to the built-in receiver's inbox of `botId`. */
export function testReceiverUrl(botId: string): string {
  return `${TEST_RECEIVER_ORIGIN}/bots/${encodeURIComponent(botId)}`;
}

const SIGNATURE_HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature', 'content-type', 'user-agent'];

export class TestReceiver {
  readonly #inboxes = new Map<string, TestReceiverEntry[]>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    /** Only these bots have an inbox: nothing a caller chooses can grow the map. */
    private readonly botIds: ReadonlySet<string>,
  ) {}

  /** The bot whose inbox `url` names, or undefined when `url` is not the built-in receiver's. */
  botOf(url: string): string | undefined {
    const prefix = `${TEST_RECEIVER_ORIGIN}/bots/`;
    if (!url.startsWith(prefix)) return undefined;
    let botId: string;
    try {
      botId = decodeURIComponent(url.slice(prefix.length));
    } catch {
      return undefined;
    }
    return this.botIds.has(botId) && testReceiverUrl(botId) === url ? botId : undefined;
  }

  /** What arrived for the bot, newest first. */
  inbox(botId: string): readonly TestReceiverEntry[] {
    return this.#inboxes.get(botId) ?? [];
  }

  /**
   * Receives one webhook POST as a receiver would: 204 when it verifies (kept in the inbox),
   * 400 with the kit's reason when it does not (kept too, marked unverified), 404 for a URL
   * that is not a bot's inbox.
   */
  async deliver(request: { url: string; headers: Record<string, string>; body: string }): Promise<AttemptOutcome> {
    const started = performance.now();
    const answer = (statusCode: number): AttemptOutcome => ({
      statusCode,
      latencyMs: Math.round(performance.now() - started),
      error: statusCode >= 200 && statusCode < 300 ? null : `answered ${statusCode}`,
      failure: null,
      retryAfter: null,
    });
    const botId = this.botOf(request.url);
    if (botId === undefined || claimedBotOf(request.body) !== botId) {
      // Not this inbox's bot (its channel may only point at its own inbox): kept out, so no bot
      // can fill another's inbox.
      return answer(404);
    }
    let verified = false;
    let reason: string | undefined;
    try {
      const channel = await findChannel(this.db, botId);
      if (!channel) throw new WebhookVerificationError('invalid_secret', 'The bot has no channel.');
      const event = await verifyWebhook(request.body, request.headers, signingSecrets(channel, this.clock.now()));
      if (event.botId !== botId) throw new WebhookVerificationError('invalid_body', `The body is bot '${event.botId}'s, not '${botId}'s.`);
      verified = true;
    } catch (error) {
      // A receiver that fails answers 500, as a real one would; the attempt is retried.
      if (!(error instanceof WebhookVerificationError)) return answer(500);
      reason = error.reason;
    }
    const headers = Object.fromEntries(SIGNATURE_HEADERS.filter((h) => request.headers[h] !== undefined).map((h) => [h, request.headers[h]!]));
    const inbox = this.#inboxes.get(botId) ?? [];
    inbox.unshift({ receivedAt: this.clock.now(), webhookId: request.headers['webhook-id'] ?? '', verified, ...(reason && { reason }), headers, body: request.body });
    inbox.length = Math.min(inbox.length, TEST_RECEIVER_INBOX_SIZE);
    this.#inboxes.set(botId, inbox);
    return answer(verified ? 204 : 400);
  }
}

/** The `botId` a webhook body says it is for (before any verification), or undefined. */
function claimedBotOf(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    return parsed && typeof parsed === 'object' && typeof (parsed as { botId?: unknown }).botId === 'string' ? (parsed as { botId: string }).botId : undefined;
  } catch {
    return undefined;
  }
}
