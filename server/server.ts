/**
 * Assembles the running system: store, bots, delivery worker, HTTP layer. `main.ts` starts it
 * from the environment; tests start it with a config of their own.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { loadBotDefinitions, type BotDefinition } from './bot/definition.js';
import { ensureBotTokens } from './bot-registry.js';
import { createBacklogGuard } from './channel/backlog-guard.js';
import type { ChannelContext, WebhookUrlVerifier } from './channel/context.js';
import { EventHub, type EventStreamOptions } from './channel/event-stream.js';
import { startIdempotencyKeyPurge } from './channel/idempotency-key-purge.js';
import { startRetention } from './channel/retention.js';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import { createSecretBox } from './credentials/secret-box.js';
import { createDelivery, type DeliveryRuntime } from './delivery/runtime.js';
import { createHttpApp } from './http/app.js';
import { answerClientError, connectionTimeoutOptions } from './http/connection-timeouts.js';
import { channelHandlers } from './http/handlers/channel.js';
import { conversationHandlers } from './http/handlers/conversations.js';
import { deliveryHandlers } from './http/handlers/deliveries.js';
import { eventHandlers } from './http/handlers/events.js';
import { legacyHandlers } from './http/handlers/legacy.js';
import { messageHandlers } from './http/handlers/messages.js';
import { operationsHandlers } from './http/handlers/operations.js';
import { testReceiverHandlers } from './http/handlers/test-receiver.js';
import { createRequestValidator } from './http/request-validator.js';
import { buildRouter } from './http/router.js';
import { loadSpecDocument } from './spec-document.js';
import { createIdGenerator, type IdGenerator } from './ids.js';
import { listenForDeliveries, lockSqliteFile, openDatabase, ping, sealChannelSecrets, sqliteFileOf, type Database } from './store/index.js';

/** A channel's due backlog is counted at most this often (ms): one count serves a burst of sends. */
const BACKLOG_REFRESH_MS = 200;
/** A backlog over the bound drains in seconds when the receiver keeps up: try again soon. */
const BACKLOG_RETRY_AFTER_SECONDS = 1;

export interface StartServerOptions {
  config: Config;
  clock?: Clock;
  ids?: IdGenerator;
  /** Jitter source for retries. */
  random?: () => number;
  logger?: Logger;
  /** Replaces the URL rules and handshake (tests of the HTTP layer alone). */
  verifyWebhookUrl?: WebhookUrlVerifier;
  /** Start without the delivery worker (tests that inspect queued deliveries). */
  startDelivery?: boolean;
  /** The event stream's poll interval, keep-alive and per-client buffer bound (tests make them small). */
  eventStream?: EventStreamOptions;
}

export interface RunningServer {
  url: string;
  port: number;
  /** Bot API tokens issued at this start, by bot id (shown once). */
  issuedTokens: Map<string, string>;
  context: ChannelContext;
  database: Database;
  delivery: DeliveryRuntime;
  /** The open event streams. */
  eventHub: EventHub;
  bots: ReadonlyMap<string, BotDefinition>;
  /** Stops accepting, lets in-flight deliveries finish within the grace period, closes the store. */
  close(): Promise<void>;
}

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? pino({ level: config.logLevel, base: { service: 'webhook-channel' } });
  const ids = options.ids ?? createIdGenerator(clock);

  const bots = await loadBotDefinitions(config.botsDir);
  // Registers the key before anything reads a sealed secret.
  const secrets = createSecretBox(config.secretsKey);
  // SQLite serves one server process: a second one on the same file is refused here, clearly.
  const sqliteFile = sqliteFileOf(config.databaseUrl);
  const fileLock = sqliteFile === undefined ? undefined : lockSqliteFile(sqliteFile);
  let database: Database;
  try {
    database = await openDatabase(config.databaseUrl, {
      ...config.database,
      onConnectionError: (error) => logger.warn({ err: error }, 'database connection lost; it is replaced on next use'),
      onCheckpointError: (message) => logger.warn({ error: message }, 'WAL checkpoint failed; the next one tries again'),
    });
  } catch (error) {
    fileLock?.release();
    throw error;
  }
  if (config.secretsKey) {
    const sealed = await sealChannelSecrets(database.db, secrets.seal);
    if (sealed > 0) logger.info({ channels: sealed }, 'channel secrets stored in clear are now sealed with SECRETS_KEY');
  }
  const issuedTokens = await ensureBotTokens(database.db, bots, { demoBotToken: config.demoBotToken, clock });

  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const delivery = createDelivery({ config, database, clock, random: options.random ?? Math.random, logger, registry, botIds: new Set(bots.keys()) });
  const eventHub = new EventHub(database.db, logger, options.eventStream);

  // The server's own address is known once it listens; a configured one is known now.
  let ownUrl = '';
  const context: ChannelContext = {
    config,
    secrets,
    database,
    bots,
    clock,
    ids,
    logger,
    verifyWebhookUrl: options.verifyWebhookUrl ?? delivery.verifyWebhookUrl,
    backlog: createBacklogGuard({
      db: database.db,
      clock,
      limit: config.channelBacklogLimit,
      refreshMs: BACKLOG_REFRESH_MS,
      retryAfterSeconds: BACKLOG_RETRY_AFTER_SECONDS,
    }),
    wakeDelivery: () => delivery.wake(),
    publicBaseUrl: () => config.publicBaseUrl ?? ownUrl,
  };

  const spec = loadSpecDocument();
  let stopping = false;
  const validator = await createRequestValidator(spec);
  const app = createHttpApp({
    router: buildRouter(spec),
    validator,
    handlers: {
      ...messageHandlers(context),
      ...channelHandlers(context),
      ...deliveryHandlers(context),
      ...conversationHandlers(context),
      ...legacyHandlers(context),
      ...eventHandlers(context, eventHub),
      ...testReceiverHandlers(context, delivery.testReceiver),
      ...operationsHandlers({
        registry,
        spec,
        readiness: {
          async checks() {
            const store = (await ping(database.db)) ? 'ok' : 'unavailable';
            return { store, delivery: stopping ? 'stopping' : delivery.isRunning() ? 'ok' : 'stopped' };
          },
        },
      }),
    },
    db: database.db,
    clock,
    logger,
    registry,
    bodyLimitBytes: config.bodyLimitBytes,
    rateLimit: { perSecond: config.rateLimitPerSecond, burst: config.rateLimitBurst },
    authFailureLimit: { perSecond: config.authFailuresPerSecond, burst: config.authFailuresBurst },
    trustProxyHops: config.trustProxyHops,
  });

  if (options.startDelivery !== false) delivery.start();
  // Other instances on the same PostgreSQL database queue work too: hear about it at once.
  const wakeups = await listenForDeliveries(database, {
    onWake: () => delivery.wake(),
    onError: (error) => logger.warn({ err: error }, 'delivery notifications lost; reconnecting (polling meanwhile)'),
  });
  const idempotencyKeyPurge = startIdempotencyKeyPurge({ db: database.db, clock, logger });
  const retention = startRetention({ db: database.db, clock, logger, policy: config.retention });
  // Bounded so a slow client cannot hold a connection open for ever.
  const server = createServer(connectionTimeoutOptions(config.http), app.callback());
  server.on('clientError', answerClientError(config.http));
  await listen(server, config.port, config.host);
  // Listening first: the cold start ends at the first answer, not after every validator is built.
  validator.warmUp().catch((error) => logger.error({ err: error }, 'compiling the request validators failed'));
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  ownUrl = url;
  logger.info({ url, bots: [...bots.keys()] }, 'webhook-channel listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    issuedTokens,
    context,
    database,
    delivery,
    eventHub,
    bots,
    close() {
      closing ??= (async () => {
        stopping = true;
        eventHub.close();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await delivery.stop(config.delivery.shutdownGraceMs);
        await idempotencyKeyPurge.stop();
        await retention.stop();
        await wakeups.close();
        server.closeAllConnections();
        await closed;
        await database.close();
        fileLock?.release();
        logger.info('webhook-channel stopped');
      })();
      return closing;
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
