/**
 * The delivery loop: claims conversation heads that are due, POSTs each bot message, and records
 * what came of it. The store keeps each conversation in order with one attempt in flight (only a
 * conversation's head is claimable, and only while no lease holds the conversation) and hands out
 * leases, so several workers may share one database, and a worker that dies leaves leases that
 * run out and are claimed again (at least once). A worker that owns every lease of its store
 * (SQLite: one process) frees them when it starts, so what a crash left in flight goes out at once.
 *
 * Slots are counted before claiming, per channel and in all: a claimed delivery is sent at once,
 * a channel never holds more than its share of the global slots (a hanging receiver delays its
 * own bot only), and the lease needs to cover the attempt alone.
 *
 * The loop claims as soon as it is woken: `wake()` after a transaction that queued deliveries
 * commits, and after each attempt, since that frees a slot and may make the next message of its
 * conversation due. Attempts that ended are recorded by the loop's next claim, in its
 * transaction where the store allows (one commit for both, and the next message of each
 * conversation is claimable in it). Otherwise it sleeps until the next head is due, at most
 * `pollMs`, so work queued by other instances is seen too.
 */
import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import type { Dispatcher } from 'undici';
import { judgeAttempt, type Verdict } from './attempt-outcome.js';
import { botMessageRequest } from './bot-message-request.js';
import { systemClock, type Clock } from '../clock.js';
import type { DeliveryConfig } from '../config.js';
import { DeliveryMetrics, type DeliveryEnd } from './delivery-metrics.js';
import type { AttemptResult, ClaimedDelivery, DeliveryStore } from './delivery-store.js';
import { DEFAULT_USER_AGENT } from './dispatcher.js';
import type { AttemptOutcome } from './attempt-outcome.js';
import { minimumLeaseMs } from './lease.js';
import type { Random } from './retry-schedule.js';
import { sendAttempt, type AttemptRequest } from './send-attempt.js';
import { isWriteConflict } from '../store/store-errors.js';

/** What the worker reads of the configuration: the validated `Config['delivery']`. */
export type DeliverySettings = Pick<
  DeliveryConfig,
  'retryScheduleMs' | 'timeoutMs' | 'concurrency' | 'perChannelConcurrency' | 'leaseMs' | 'maxRetryAfterMs' | 'pollMs'
>;

export interface DeliveryWorkerOptions {
  store: DeliveryStore;
  /** Made with `createWebhookDispatcher(guard)`; the caller owns it and closes it after `stop`. */
  dispatcher: Dispatcher;
  logger: Logger;
  settings: DeliverySettings;
  /**
   * This worker is the only one using its store (SQLite, owned by one process): leases found at
   * start are a dead run's, and are freed before the first claim.
   */
  ownsAllLeases?: boolean;
  /** Where the metrics are registered; a private registry when omitted. */
  registry?: Registry;
  clock?: Clock;
  /** The jitter source, [0, 1). */
  random?: Random;
  userAgent?: string;
  /** Sends one attempt; `sendAttempt` over the network unless replaced (the built-in test receiver). */
  send?: (request: AttemptRequest) => Promise<AttemptOutcome>;
}

export interface StopOptions {
  /** How long in-flight attempts may run on before they are aborted. Default 10 s. */
  graceMs?: number;
}

const GONE_REASON = 'The webhook answered 410 Gone.';

export class DeliveryWorker {
  readonly metrics: DeliveryMetrics;
  readonly #store: DeliveryStore;
  readonly #dispatcher: Dispatcher;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #settings: DeliverySettings;
  readonly #ownsAllLeases: boolean;
  readonly #userAgent: string;
  readonly #send: (request: AttemptRequest) => Promise<AttemptOutcome>;

  #loop: Promise<void> | null = null;
  #stopping = false;
  #abort = new AbortController();
  /** Set by `wake()`; a sleep that starts after it returns at once, so no wake-up is lost. */
  #woken = false;
  #endSleep: (() => void) | null = null;
  readonly #inFlight = new Set<Promise<void>>();
  /** Attempts in flight by bot id: the claim offers each channel only what is left of its share. */
  readonly #inFlightPerChannel = new Map<string, number>();
  /** Attempts that ended, to be recorded by the next claim; their slots are free for it. */
  #ended: Array<{ result: AttemptResult; resolve: () => void; reject: (error: unknown) => void }> = [];

  constructor(options: DeliveryWorkerOptions) {
    const s = options.settings;
    for (const name of ['timeoutMs', 'concurrency', 'perChannelConcurrency', 'leaseMs', 'pollMs'] as const) {
      if (!Number.isInteger(s[name]) || s[name] < 1) throw new RangeError(`${name} must be a positive integer (got ${s[name]})`);
    }
    if (s.perChannelConcurrency > s.concurrency) throw new RangeError('perChannelConcurrency must not exceed concurrency');
    if (s.leaseMs < minimumLeaseMs(s.timeoutMs)) {
      throw new RangeError(`leaseMs (${s.leaseMs}) must cover an attempt: at least ${minimumLeaseMs(s.timeoutMs)} for timeoutMs ${s.timeoutMs}`);
    }
    if (s.retryScheduleMs.length === 0 || s.retryScheduleMs.some((ms) => !(ms >= 0))) {
      throw new RangeError('retryScheduleMs must list at least one delay, none negative');
    }
    this.#settings = s;
    this.#store = options.store;
    this.#dispatcher = options.dispatcher;
    this.#log = options.logger;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#ownsAllLeases = options.ownsAllLeases ?? false;
    this.#userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
    this.#send = options.send ?? sendAttempt;
    this.metrics = new DeliveryMetrics(options.registry ?? new Registry(), () => this.#store.countPendingDeliveries());
  }

  /** Starts claiming: due deliveries, and those whose lease expired (a previous run died), are taken at once. */
  start(): void {
    if (this.#loop) return;
    this.#stopping = false;
    this.#abort = new AbortController();
    // Each attempt in flight listens to it twice (undici's request, the body's deadline) until its
    // answer ends: bounded by the slots, not a leak, so no MaxListenersExceededWarning in the log.
    setMaxListeners(2 * this.#settings.concurrency + 10, this.#abort.signal);
    this.#loop = this.#run();
  }

  /** Between `start` and `stop`. */
  get isRunning(): boolean {
    return this.#loop !== null && !this.#stopping;
  }

  /** Claims now instead of at the next due time. Call it after a transaction that queued deliveries commits. */
  wake(): void {
    this.#woken = true;
    this.#endSleep?.();
  }

  /**
   * Stops claiming, lets in-flight attempts finish for up to `graceMs`, then aborts them. An
   * aborted attempt is not recorded: its lease expires (or is freed at the next start) and it is
   * sent again (at least once).
   */
  async stop({ graceMs = 10_000 }: StopOptions = {}): Promise<void> {
    if (!this.#loop) return;
    this.#stopping = true;
    this.wake();
    await this.#loop;
    this.#loop = null;
    const settled = Promise.allSettled([...this.#inFlight]);
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'grace over'>((resolve) => {
      timer = setTimeout(() => resolve('grace over'), graceMs);
    });
    const first = await Promise.race([settled, graceOver]);
    clearTimeout(timer);
    if (first === 'grace over') {
      this.#log.warn({ inFlight: this.#inFlight.size, graceMs }, 'aborting delivery attempts still in flight; they are sent again');
      this.#abort.abort();
      await settled;
    }
  }

  async #run(): Promise<void> {
    if (this.#ownsAllLeases) await this.#releaseLeases();
    const { concurrency, perChannelConcurrency, leaseMs, pollMs } = this.#settings;
    while (!this.#stopping) {
      this.#woken = false;
      try {
        if (concurrency - this.#inFlight.size + this.#ended.length <= 0) {
          await this.#sleep(pollMs); // an attempt's end wakes us
          continue;
        }
        // Let every attempt that ends in this turn of the event loop free its slot first: one
        // claim (one commit) for all of them rather than one each.
        await new Promise((resolve) => setImmediate(resolve));
        if (this.#stopping) break;
        const ended = this.#ended;
        this.#ended = [];
        const free = concurrency - this.#inFlight.size + ended.length;
        const now = this.#clock.now();
        const opts = { now, leaseMs, limit: free, perChannel: perChannelConcurrency, inFlight: withoutEnded(this.#inFlightPerChannel, ended) };
        const claimed = await this.#store.claimDueDeliveries(opts, ended.map((e) => e.result)).then(
          (deliveries) => (ended.forEach((e) => e.resolve()), deliveries),
          (error: unknown) => {
            ended.forEach((e) => e.reject(error));
            throw error;
          },
        );
        for (const delivery of claimed) this.#start(delivery);
        // A full batch means more may be due: claim again as soon as slots allow.
        if (claimed.length === free) continue;
        await this.#sleep(await this.#idleMs(now));
      } catch (error) {
        // A deadlock victim (PostgreSQL) is no fault: claim again at once.
        if (isWriteConflict(error)) continue;
        this.#log.error({ err: error }, 'claiming deliveries failed; trying again');
        await this.#sleep(pollMs);
      }
    }
    // Attempts that ended before the stop: recorded without a claim, as are those ending later.
    const ended = this.#ended;
    this.#ended = [];
    for (const e of ended) this.#store.recordAttempt(e.result).then(e.resolve, e.reject);
  }

  /**
   * Records an attempt that ended: through the loop's next claim while it runs (the attempt's slot
   * is offered again in that claim), on its own once the loop has stopped. Answers whether the
   * claim took it, so that its end need not wake the loop again.
   */
  #record(result: AttemptResult): Promise<boolean> {
    if (this.#loop === null || this.#stopping) return this.#store.recordAttempt(result).then(() => false);
    return new Promise<boolean>((resolve, reject) => {
      this.#ended.push({ result, resolve: () => resolve(true), reject });
      this.wake();
    });
  }

  async #releaseLeases(): Promise<void> {
    while (!this.#stopping) {
      try {
        const freed = await this.#store.releaseLeases();
        if (freed > 0) this.#log.info({ freed }, 'freed the leases of a previous run: their conversations are sent again now');
        return;
      } catch (error) {
        this.#log.error({ err: error }, 'freeing the leases of a previous run failed; trying again');
        await this.#sleep(this.#settings.pollMs);
      }
    }
  }

  /**
   * Until the next head is due, within the poll bound. A head that was due at the claim and not
   * claimed waits for a slot of its channel, and the attempt that frees it wakes us.
   */
  async #idleMs(claimedAt: number): Promise<number> {
    const next = await this.#store.nextDueAt();
    if (next === null || next <= claimedAt) return this.#settings.pollMs;
    return Math.max(0, Math.min(next - this.#clock.now(), this.#settings.pollMs));
  }

  #sleep(ms: number): Promise<void> {
    if (this.#woken || this.#stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#endSleep = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#endSleep = done;
    });
  }

  #start(delivery: ClaimedDelivery): void {
    this.#inFlightPerChannel.set(delivery.botId, (this.#inFlightPerChannel.get(delivery.botId) ?? 0) + 1);
    const attempt = this.#attempt(delivery).then((claimedAfter) => {
      this.#inFlight.delete(attempt);
      const left = (this.#inFlightPerChannel.get(delivery.botId) ?? 1) - 1;
      if (left === 0) this.#inFlightPerChannel.delete(delivery.botId);
      else this.#inFlightPerChannel.set(delivery.botId, left);
      // A slot is free, and the next message of this conversation may be due: unless the claim
      // that recorded the attempt has offered both already.
      if (!claimedAfter) this.wake();
    });
    this.#inFlight.add(attempt);
  }

  /** Never rejects; answers whether a claim recorded it (see `#record`). */
  async #attempt(delivery: ClaimedDelivery): Promise<boolean> {
    const { channel } = delivery;
    const context = {
      deliveryId: delivery.id,
      botId: delivery.botId,
      webhookId: delivery.webhookId,
      attempt: delivery.attemptNumber,
      origin: originOf(channel.url),
    };
    try {
      const attemptedAt = this.#clock.now();
      const request = botMessageRequest(delivery, attemptedAt, this.#userAgent);
      const outcome = await this.#send({
        url: channel.url,
        ...request,
        dispatcher: this.#dispatcher,
        timeoutMs: this.#settings.timeoutMs,
        signal: this.#abort.signal,
      });
      if (outcome.failure === 'aborted') {
        this.#log.info(context, 'delivery attempt aborted by shutdown; it is sent again');
        return false;
      }
      this.metrics.recordAttempt(outcome.statusCode, outcome.failure, outcome.latencyMs);
      const now = this.#clock.now();
      const verdict = judgeAttempt(outcome, delivery.roundAttemptNumber, {
        schedule: this.#settings.retryScheduleMs,
        random: this.#random,
        maxRetryAfterMs: this.#settings.maxRetryAfterMs,
        now,
      });
      const result: AttemptResult = {
        deliveryId: delivery.id,
        botId: delivery.botId,
        conversationId: delivery.conversationId,
        leaseUntil: delivery.leaseUntil,
        number: delivery.attemptNumber,
        attemptedAt,
        url: channel.url,
        channelVerifiedAt: channel.verifiedAt,
        statusCode: outcome.statusCode,
        latencyMs: outcome.latencyMs,
        outcome: verdict.kind === 'delivered' ? 'succeeded' : 'failed',
        error: outcome.error,
        // Kept for the delivery log: exactly what was sent, signature included.
        request: { headers: request.headers, body: request.body },
        next: nextState(verdict, now),
        disableReason: verdict.kind === 'gone' ? GONE_REASON : null,
      };
      const claimedAfter = await this.#record(result);

      const logged = { ...context, statusCode: outcome.statusCode, latencyMs: outcome.latencyMs, error: outcome.error ?? undefined };
      const end = endOf(verdict);
      if (end) this.metrics.recordEnd(end);
      if (verdict.kind === 'delivered') this.#log.debug(logged, 'bot message delivered');
      else if (verdict.kind === 'retry') this.#log.info({ ...logged, retryInMs: verdict.delayMs }, 'delivery attempt failed; retrying');
      else if (verdict.kind === 'gone') this.#log.warn(logged, 'the webhook answered 410 Gone; the channel it was sent to is disabled');
      else this.#log.warn(logged, 'delivery failed after its last attempt');
      return claimedAfter;
    } catch (error) {
      // The lease runs out and the delivery is claimed again: at least once.
      this.#log.error({ ...context, err: error }, 'recording a delivery attempt failed');
      return false;
    }
  }
}

/** Attempts in flight by bot id, less those that ended (their slots are free for the claim). */
function withoutEnded(inFlight: ReadonlyMap<string, number>, ended: ReadonlyArray<{ result: AttemptResult }>): ReadonlyMap<string, number> {
  if (ended.length === 0) return inFlight;
  const left = new Map(inFlight);
  for (const { result } of ended) left.set(result.botId, (left.get(result.botId) ?? 1) - 1);
  return left;
}

function nextState(verdict: Verdict, now: number): AttemptResult['next'] {
  switch (verdict.kind) {
    case 'delivered':
      return { status: 'succeeded' };
    case 'exhausted':
      return { status: 'failed' };
    case 'gone':
      // Held by its disabled channel; due again as soon as the channel is configured again.
      return { status: 'pending', nextAttemptAt: now };
    case 'retry':
      return { status: 'pending', nextAttemptAt: now + verdict.delayMs };
  }
}

function endOf(verdict: Verdict): DeliveryEnd | null {
  switch (verdict.kind) {
    case 'delivered':
      return 'succeeded';
    case 'exhausted':
      return 'failed';
    case 'gone':
      return 'disabled';
    case 'retry':
      return null;
  }
}

/** Logs name the receiver by origin: a webhook URL's path or query may hold a token. */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'invalid URL';
  }
}
