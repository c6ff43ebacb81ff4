/** What the use cases need from the running server, injected (a fake clock and ids in tests). */
import type { Logger } from 'pino';
import type { BotDefinition } from '../bot/definition.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { SecretBox } from '../credentials/secret-box.js';
import type { IdGenerator } from '../ids.js';
import type { Database } from '../store/index.js';
import type { BacklogGuard } from './backlog-guard.js';

/**
 * Checks a webhook URL before it is saved: the address rules, then the hub.challenge handshake
 * with `handshake.verifyToken`, unless `handshake` is `false` (the address rules only).
 */
export type WebhookUrlVerifier = (url: string, handshake: { verifyToken: string } | false, botId: string) => Promise<WebhookUrlVerdict>;
export type WebhookUrlVerdict = { ok: true } | { ok: false; refused: boolean; reason: string };

export interface ChannelContext {
  /** Seals the channels' secrets before they are stored (credentials/secret-box.ts). */
  secrets: SecretBox;
  config: Config;
  database: Database;
  bots: ReadonlyMap<string, BotDefinition>;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  verifyWebhookUrl: WebhookUrlVerifier;
  /** Backpressure: refuses a bot's sends while its active channel's due backlog is over the bound. */
  backlog: BacklogGuard;
  /**
   * Where clients reach this server, without a trailing slash: the configured PUBLIC_BASE_URL, or
   * the server's own address (known once it listens). Absolute URLs the API hands out start with it.
   */
  publicBaseUrl(): string;
  /** Tells the delivery worker that deliveries were committed. */
  wakeDelivery(): void;
}
