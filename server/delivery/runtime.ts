/**
 * The delivery side as the server assembles it from its configuration: one URL guard and one
 * connection pool shared by the handshake and the worker.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { WebhookUrlVerifier } from '../channel/context.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Database } from '../store/database.js';
import { listInstanceHeartbeats, recordHeartbeat, releaseStoppedInstances, removeInstance } from '../store/instance-heartbeats.js';
import { createIdGenerator } from '../ids.js';
import { startHeartbeat, type Heartbeat } from './heartbeat.js';
import { deliveryStore } from './delivery-store.js';
import { createWebhookDispatcher } from './dispatcher.js';
import { HandshakeError, verifyWebhookUrl } from './handshake.js';
import { sendAttempt } from './send-attempt.js';
import { TestReceiver } from './test-receiver.js';
import { UrlGuard, UrlRefusedError } from './url-guard.js';
import { DeliveryWorker } from './worker.js';

export interface DeliveryRuntime {
  /** The address rules, then (unless turned off) the hub.challenge handshake, as a verdict for `configureChannel`. */
  verifyWebhookUrl: WebhookUrlVerifier;
  /** Deliveries were committed: claim them now. */
  wake(): void;
  start(): void;
  /** Stops the worker (in-flight attempts get `graceMs`, then are aborted) and closes the connections. */
  stop(graceMs?: number): Promise<void>;
  isRunning(): boolean;
  worker: DeliveryWorker;
  /** The built-in test receiver, delivered to in this process. */
  testReceiver: TestReceiver;
}

export function createDelivery(deps: {
  config: Config;
  database: Database;
  clock: Clock;
  random: () => number;
  logger: Logger;
  registry: Registry;
  /** The bots that may use the built-in test receiver. */
  botIds: ReadonlySet<string>;
}): DeliveryRuntime {
  const { config, database, clock, random, registry } = deps;
  const logger = deps.logger.child({ component: 'delivery' });
  const guard = new UrlGuard({ allowedHosts: config.webhookAllowedHosts });
  const dispatcher = createWebhookDispatcher(guard, { connectTimeoutMs: config.delivery.timeoutMs });
  const testReceiver = new TestReceiver(database.db, clock, deps.botIds);
  // Instances sharing a database (PostgreSQL) name the leases they take, and beat: the others free
  // a stopped one's leases at once. One process owns an SQLite store and frees them at start.
  const instanceId = database.dialect === 'postgres' ? createIdGenerator(clock)('ins') : undefined;
  const worker = new DeliveryWorker({
    store: deliveryStore(database.db, { owner: instanceId, relaxedCommits: database.relaxedCommits }),
    dispatcher,
    logger,
    registry,
    clock,
    random,
    settings: config.delivery,
    // One process owns an SQLite store: leases found at start are a dead run's.
    ownsAllLeases: database.dialect === 'sqlite',
    // The built-in receiver's URL never reaches the network: it is delivered to in this process.
    send: (request) => (testReceiver.botOf(request.url) === undefined ? sendAttempt(request) : testReceiver.deliver(request)),
  });

  let heartbeat: Heartbeat | undefined;
  let stopping: Promise<void> | undefined;
  return {
    worker,
    testReceiver,
    async verifyWebhookUrl(url, handshake, botId) {
      // The built-in receiver is this server: nothing to resolve, and it answers every handshake.
      // Only a bot's own inbox; another bot's is refused by the URL rules below, like any unknown URL.
      if (testReceiver.botOf(url) === botId) return { ok: true };
      try {
        if (handshake === false) await guard.check(url);
        else await verifyWebhookUrl(url, handshake.verifyToken, { guard, dispatcher, timeoutMs: config.delivery.timeoutMs });
        return { ok: true };
      } catch (error) {
        if (error instanceof UrlRefusedError) return { ok: false, refused: true, reason: error.message };
        if (error instanceof HandshakeError) return { ok: false, refused: false, reason: error.message };
        throw error;
      }
    },
    wake: () => worker.wake(),
    start() {
      if (instanceId && !heartbeat) {
        const db = database.db;
        heartbeat = startHeartbeat({
          store: {
            beat: (now, first) => recordHeartbeat(db, instanceId, now, first),
            others: () => listInstanceHeartbeats(db).then((all) => all.filter((other) => other.id !== instanceId)),
            releaseStopped: (stopped) => releaseStoppedInstances(db, stopped),
            remove: () => removeInstance(db, instanceId),
          },
          clock,
          logger,
          intervalMs: config.delivery.heartbeatMs,
          timeoutMs: config.delivery.instanceTimeoutMs,
          onFreed: () => worker.wake(),
        });
      }
      worker.start();
    },
    stop(graceMs = config.delivery.shutdownGraceMs) {
      stopping ??= (async () => {
        await worker.stop({ graceMs });
        // What the shutdown aborted is free for the other instances now, not when its lease runs out.
        await heartbeat?.stop();
        await heartbeat?.leave();
        await dispatcher.close();
      })();
      return stopping;
    },
    isRunning: () => worker.isRunning,
  };
}
