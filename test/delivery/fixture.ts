/**
 * A delivery worker on its own in-memory database, with a fake clock, a bot whose channel points
 * at a test receiver, and a way to queue bot messages as the channel's use case does.
 */
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { Agent } from 'undici';
import { deliveryStore } from '../../server/delivery/delivery-store.js';
import { createWebhookDispatcher } from '../../server/delivery/dispatcher.js';
import { UrlGuard } from '../../server/delivery/url-guard.js';
import { loadConfig } from '../../server/config.js';
import { minimumLeaseMs } from '../../server/delivery/lease.js';
import { DeliveryWorker, type DeliverySettings, type DeliveryWorkerOptions } from '../../server/delivery/worker.js';
import {
  appendMessages,
  enqueueDeliveries,
  findChannel,
  findDelivery,
  openConversation,
  openDatabase,
  saveBot,
  saveChannel,
  type Database,
} from '../../server/store/index.js';
import { waitFor } from '../support/wait-for.js';

export const BOT_ID = 'demo';
export const VERIFY_TOKEN = '8wMsLZkdDPT64nqh';
export const CHANNEL_ID = 'chn_01JD8X2A5B7C9D1E3F5G7H9J1K';
export const SECRET = `whsec_${Buffer.alloc(24, 1).toString('base64')}`;

export interface FakeClock {
  now(): number;
  advance(ms: number): void;
}

/** Starts at the real time, so the standardwebhooks verifier (which reads the real clock) accepts the timestamps. */
export function fakeClock(start = Date.now()): FakeClock {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

export interface QueuedMessage {
  deliveryId: string;
  webhookId: string;
  senderId: string;
  messageCounter: number;
}

export interface DeliveryFixture {
  database: Database;
  clock: FakeClock;
  registry: Registry;
  worker: DeliveryWorker;
  dispatcher: Agent;
  /** Queues bot messages in the sender's conversation (of `botId`, `demo` by default), as one committed turn, and wakes the workers. */
  queue(senderId: string, texts: string[], botId?: string): Promise<QueuedMessage[]>;
  /** Adds another bot whose channel points at `url`. */
  addBot(botId: string, url: string): Promise<void>;
  /** The delivery with its attempts once `until` holds for it. */
  waitForDelivery(
    deliveryId: string,
    until: (d: NonNullable<Awaited<ReturnType<typeof findDelivery>>>) => boolean,
    what: string,
  ): Promise<NonNullable<Awaited<ReturnType<typeof findDelivery>>>>;
  channel(): ReturnType<typeof findChannel>;
  /** Another worker on the same database (a restart, or a second instance). */
  newWorker(options?: WorkerOptions): DeliveryWorker;
  close(): Promise<void>;
}

/** The worker's settings (the server's defaults unless given) and its other options. */
export type WorkerOptions = Partial<DeliverySettings> & Partial<Omit<DeliveryWorkerOptions, 'settings'>>;

/**
 * `databaseUrl`: the store (in memory by default); on an SQLite file the worker's store commits
 * relaxed, as the server's does.
 */
export async function startDeliveryFixture(url: string, options: WorkerOptions & { startWorker?: boolean; databaseUrl?: string } = {}): Promise<DeliveryFixture> {
  const database = await openDatabase(options.databaseUrl ?? 'sqlite::memory:');
  const { db } = database;
  const clock = fakeClock();
  await saveBot(db, { id: BOT_ID, tokenHash: 'unused', now: clock.now() });
  await saveChannel(db, { botId: BOT_ID, url, verifyToken: VERIFY_TOKEN, newId: CHANNEL_ID, newSecret: SECRET, now: clock.now() });

  const dispatcher = createWebhookDispatcher(new UrlGuard({ allowedHosts: ['127.0.0.1'] }));
  const registry = new Registry();
  const workers: DeliveryWorker[] = [];
  const newWorker = (extra: WorkerOptions = {}) => {
    const { startWorker: _, databaseUrl: __, ...given } = { ...options, ...extra };
    const defaults = loadConfig({}).delivery;
    const timeoutMs = given.timeoutMs ?? 2_000;
    const settings: DeliverySettings = {
      retryScheduleMs: given.retryScheduleMs ?? [0, 5_000, 60_000],
      timeoutMs,
      concurrency: given.concurrency ?? defaults.concurrency,
      perChannelConcurrency: given.perChannelConcurrency ?? defaults.perChannelConcurrency,
      leaseMs: given.leaseMs ?? minimumLeaseMs(timeoutMs),
      maxRetryAfterMs: given.maxRetryAfterMs ?? defaults.maxRetryAfterMs,
      pollMs: given.pollMs ?? defaults.pollMs,
    };
    const worker = new DeliveryWorker({
      store: given.store ?? deliveryStore(db, { relaxedCommits: database.relaxedCommits }),
      dispatcher,
      logger: given.logger ?? pino({ level: 'silent' }),
      clock: given.clock ?? clock,
      random: given.random ?? (() => 0.5), // no jitter unless a test asks for it
      registry: given.registry ?? (workers.length === 0 ? registry : new Registry()),
      ownsAllLeases: given.ownsAllLeases,
      settings,
    });
    workers.push(worker);
    return worker;
  };
  const worker = newWorker();
  if (options.startWorker !== false) worker.start();

  let ids = 0;
  const nextId = (kind: string) => `${kind}_${String(++ids).padStart(26, '0')}`;

  return {
    database,
    clock,
    registry,
    worker,
    dispatcher,
    newWorker,
    channel: () => findChannel(db, BOT_ID),
    async addBot(botId, botUrl) {
      await saveBot(db, { id: botId, tokenHash: 'unused', now: clock.now() });
      await saveChannel(db, { botId, url: botUrl, verifyToken: VERIFY_TOKEN, newId: `chn_${botId.padEnd(26, '0').slice(0, 26)}`, newSecret: SECRET, now: clock.now() });
    },
    async queue(senderId, texts, botId = BOT_ID) {
      const queued = await db.transaction().execute(async (trx) => {
        const now = clock.now();
        const conversation = await openConversation(trx, { botId, senderId, newId: nextId('cnv'), now });
        const user = { id: nextId('msg'), actor: 'user' as const, isIntro: false, inReplyTo: null, body: { type: 'text' as const, text: 'hi' } };
        const bots = texts.map((text) => ({ id: nextId('msg'), actor: 'bot' as const, isIntro: false, inReplyTo: user.id, body: { type: 'text' as const, text } }));
        const [, ...stored] = await appendMessages(trx, conversation, [user, ...bots], { state: null, variables: {} }, now);
        const deliveries = stored.map((m) => ({
          id: nextId('dlv'),
          botId,
          conversationId: conversation.id,
          senderId,
          messageId: m.id,
          webhookId: m.id,
          messageCounter: m.messageCounter!,
          event: {
            senderId,
            recipient: { id: senderId },
            botId,
            messageId: m.id,
            inReplyTo: user.id,
            messageCounter: m.messageCounter!,
            timestamp: new Date(now).toISOString(),
            message: m.body as { type: 'text'; text: string },
          },
        }));
        await enqueueDeliveries(trx, deliveries, now);
        return deliveries.map((d) => ({ deliveryId: d.id, webhookId: d.webhookId, senderId, messageCounter: d.messageCounter }));
      });
      for (const w of workers) w.wake();
      return queued;
    },
    async waitForDelivery(deliveryId, until, what) {
      let found: Awaited<ReturnType<typeof findDelivery>>;
      await waitFor(async () => {
        found = await findDelivery(db, BOT_ID, deliveryId);
        return found !== undefined && until(found);
      }, { what: `delivery ${deliveryId} ${what}` });
      return found!;
    },
    async close() {
      await Promise.all(workers.map((w) => w.stop({ graceMs: 0 })));
      await dispatcher.close();
      await database.close();
    },
  };
}

/** A sender id the spec accepts (20 to 128 characters). */
export function senderId(n: number): string {
  return `sender-${String(n).padStart(16, '0')}`;
}
