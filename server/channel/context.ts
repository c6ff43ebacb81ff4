/** What the use cases need from the running server, injected (a fake clock and ids in tests). */
import type { Logger } from 'pino';
import type { BotDefinition } from '../bot/definition.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { IdGenerator } from '../ids.js';
import type { Database } from '../store/index.js';

/** Checks a webhook URL before it is saved: the address rules, then the hub.challenge handshake. */
export type WebhookUrlVerifier = (url: string, verifyToken: string) => Promise<WebhookUrlVerdict>;
export type WebhookUrlVerdict = { ok: true } | { ok: false; refused: boolean; reason: string };

export interface ChannelContext {
  config: Config;
  database: Database;
  bots: ReadonlyMap<string, BotDefinition>;
  clock: Clock;
  ids: IdGenerator;
  logger: Logger;
  verifyWebhookUrl: WebhookUrlVerifier;
  /** Tells the delivery worker that deliveries were committed. */
  wakeDelivery(): void;
}
