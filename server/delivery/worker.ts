/**
 * The delivery loop: claims due deliveries from the store, POSTs each bot message, and records
 * what came of it. The store's claim keeps each conversation in order (a delivery is claimable
 * only when no earlier one of its conversation is pending) and hands out leases, so several
 * workers may share one database, and a worker that dies leaves leases that expire and are
 * claimed again (at least once).
 *
 * The loop claims as soon as it is woken: `wake()` after a transaction that queued deliveries
 * commits, and after each attempt, since that may free the next message of its conversation.
 * Otherwise it sleeps until the next due time, at most `pollMs`, so work queued by other
 * instances is seen too.
 */
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import type { Dispatcher } from 'undici';
import { judgeAttempt, type Verdict } from './attempt-outcome.js';
import { botMessageRequest } from './bot-message-request.js';
import { systemClock, type Clock } from '../clock.js';
import { DeliveryMetrics, type DeliveryEnd } from './delivery-metrics.js';
import type { AttemptResult, ClaimedDelivery, DeliveryStore } from './delivery-store.js';
import { DEFAULT_USER_AGENT } from './dispatcher.js';
import { DEFAULT_RETRY_SCHEDULE_MS, MAX_RETRY_AFTER_MS, type Random } from './retry-schedule.js';
import type { AttemptOutcome } from './attempt-outcome.js';
import { sendAttempt, type AttemptRequest } from './send-attempt.js';

export interface DeliveryWorkerOptions {
  store: DeliveryStore;
  /** Made with `createWebhookDispatcher(guard)`; the caller owns it and closes it after `stop`. */
  dispatcher: Dispatcher;
  logger: Logger;
  /** Where the metrics are registered; a private registry when omitted. */
  registry?: Registry;
  clock?: Clock;
  /** The jitter source, [0, 1). */
  random?: Random;
  /** Attempts in flight at once, all channels together. Default 16. */
  concurrency?: number;
  /** Attempts in flight at once to one channel. Default 4. */
  perChannelConcurrency?: number;
  /** Bounds one attempt, connecting included. Default 10 s, the time the spec gives receivers. */
  timeoutMs?: number;
  /**
   * How long a claimed delivery is reserved for this worker; when it expires (the worker died),
   * another claim takes it. Must cover waiting for a channel slot plus the attempt; the default
   * does: `timeoutMs × (⌈concurrency / perChannelConcurrency⌉ + 1) + 10 s` (60 s by default).
   */
  leaseMs?: number;
  /** The longest sleep between claims when nothing wakes the worker. Default 1 s. */
  pollMs?: number;
  /** The delay before attempt N+1 is `retrySchedule[N]`, jittered by ±20 %. */
  retrySchedule?: readonly number[];
  /** The longest `Retry-After` honoured. Default 1 h. */
  maxRetryAfterMs?: number;
  userAgent?: string;
  /** Sends one attempt; `sendAttempt` over the network unless replaced (the built-in test receiver). */
  send?: (request: AttemptRequest) => Promise<AttemptOutcome>;
}

export interface StopOptions {
  /** How long in-flight attempts may run on before they are aborted. Default 10 s. */
  graceMs?: number;
}

export class DeliveryWorker {
  readonly metrics: DeliveryMetrics;
  readonly #store: DeliveryStore;
  readonly #dispatcher: Dispatcher;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #concurrency: number;
  readonly #perChannel: number;
  readonly #timeoutMs: number;
  readonly #leaseMs: number;
  readonly #pollMs: number;
  readonly #schedule: readonly number[];
  readonly #maxRetryAfterMs: number;
  readonly #userAgent: string;
  readonly #send: (request: AttemptRequest) => Promise<AttemptOutcome>;

  #loop: Promise<void> | null = null;
  #stopping = false;
  #abort = new AbortController();
  /** Set by `wake()`; a sleep that starts after it returns at once, so no wake-up is lost. */
  #woken = false;
  #endSleep: (() => void) | null = null;
  /** Claimed, waiting for a slot of their channel. */
  #waiting: ClaimedDelivery[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  readonly #inFlightPerChannel = new Map<string, number>();

  constructor(options: DeliveryWorkerOptions) {
    this.#store = options.store;
    this.#dispatcher = options.dispatcher;
    this.#log = options.logger;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#concurrency = positiveInteger('concurrency', options.concurrency ?? 16);
    this.#perChannel = positiveInteger('perChannelConcurrency', Math.min(options.perChannelConcurrency ?? 4, this.#concurrency));
    this.#timeoutMs = positiveInteger('timeoutMs', options.timeoutMs ?? 10_000);
    this.#leaseMs = positiveInteger(
      'leaseMs',
      options.leaseMs ?? this.#timeoutMs * (Math.ceil(this.#concurrency / this.#perChannel) + 1) + 10_000,
    );
    if (this.#leaseMs <= this.#timeoutMs) throw new RangeError('leaseMs must be longer than timeoutMs, or an attempt could outlive its lease');
    this.#pollMs = positiveInteger('pollMs', options.pollMs ?? 1_000);
    this.#schedule = options.retrySchedule ?? DEFAULT_RETRY_SCHEDULE_MS;
    if (this.#schedule.length === 0 || this.#schedule.some((ms) => !(ms >= 0))) {
      throw new RangeError('retrySchedule must list at least one delay, none negative');
    }
    this.#maxRetryAfterMs = options.maxRetryAfterMs ?? MAX_RETRY_AFTER_MS;
    this.#userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
    this.#send = options.send ?? sendAttempt;
    this.metrics = new DeliveryMetrics(options.registry ?? new Registry(), () => this.#store.countPendingDeliveries());
  }

  /** Starts claiming: due deliveries, and those whose lease expired (a previous run died), are taken at once. */
  start(): void {
    if (this.#loop) return;
    this.#stopping = false;
    this.#abort = new AbortController();
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
   * aborted attempt is not recorded: its lease expires and it is sent again (at least once).
   * Deliveries claimed but not yet started are left the same way.
   */
  async stop({ graceMs = 10_000 }: StopOptions = {}): Promise<void> {
    if (!this.#loop) return;
    this.#stopping = true;
    this.wake();
    await this.#loop;
    this.#loop = null;
    this.#waiting = [];
    const settled = Promise.allSettled([...this.#inFlight]);
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'grace over'>((resolve) => {
      timer = setTimeout(() => resolve('grace over'), graceMs);
    });
    const first = await Promise.race([settled, graceOver]);
    clearTimeout(timer);
    if (first === 'grace over') {
      this.#log.warn({ inFlight: this.#inFlight.size, graceMs }, 'aborting delivery attempts still in flight; they are retried when their lease expires');
      this.#abort.abort();
      await settled;
    }
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      this.#woken = false;
      try {
        const free = this.#concurrency - this.#inFlight.size - this.#waiting.length;
        if (free > 0) {
          const claimed = await this.#store.claimDueDeliveries({ now: this.#clock.now(), leaseMs: this.#leaseMs, limit: free });
          this.#waiting.push(...claimed);
          this.#startWaiting();
          // A full batch means more may be due: claim again as soon as slots allow.
          if (claimed.length === free) continue;
        }
        await this.#sleep(free > 0 ? await this.#idleMs() : this.#pollMs);
      } catch (error) {
        this.#log.error({ err: error }, 'claiming deliveries failed; trying again');
        await this.#sleep(this.#pollMs);
      }
    }
  }

  /** Until the next due time, within the poll bound. Due work that was not claimed waits for its conversation's head or a slot, both of which wake us. */
  async #idleMs(): Promise<number> {
    const next = await this.#store.nextDueAt();
    const now = this.#clock.now();
    return next === null || next <= now ? this.#pollMs : Math.min(next - now, this.#pollMs);
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

  #startWaiting(): void {
    if (this.#stopping) return;
    for (let i = 0; i < this.#waiting.length; ) {
      const delivery = this.#waiting[i];
      const busy = this.#inFlightPerChannel.get(delivery.botId) ?? 0;
      if (busy >= this.#perChannel) {
        i++;
        continue;
      }
      this.#waiting.splice(i, 1);
      this.#inFlightPerChannel.set(delivery.botId, busy + 1);
      const attempt = this.#attempt(delivery).finally(() => {
        this.#inFlight.delete(attempt);
        const left = (this.#inFlightPerChannel.get(delivery.botId) ?? 1) - 1;
        if (left === 0) this.#inFlightPerChannel.delete(delivery.botId);
        else this.#inFlightPerChannel.set(delivery.botId, left);
        this.#startWaiting();
        this.wake(); // the next message of this conversation may be due now, and a slot is free
      });
      this.#inFlight.add(attempt);
    }
  }

  async #attempt(delivery: ClaimedDelivery): Promise<void> {
    const context = {
      deliveryId: delivery.id,
      botId: delivery.botId,
      webhookId: delivery.webhookId,
      attempt: delivery.attemptNumber,
      origin: originOf(delivery.channel.url),
    };
    try {
      const attemptedAt = this.#clock.now();
      const outcome = await this.#send({
        url: delivery.channel.url,
        ...botMessageRequest(delivery, attemptedAt, this.#userAgent),
        dispatcher: this.#dispatcher,
        timeoutMs: this.#timeoutMs,
        signal: this.#abort.signal,
        clock: this.#clock,
        maxRetryAfterMs: this.#maxRetryAfterMs,
      });
      if (outcome.failure === 'aborted') {
        this.#log.info(context, 'delivery attempt aborted by shutdown; it is retried when its lease expires');
        return;
      }
      this.metrics.recordAttempt(outcome.statusCode, outcome.failure, outcome.latencyMs);
      const verdict = judgeAttempt(outcome, delivery.roundAttemptNumber, { schedule: this.#schedule, random: this.#random });
      const now = this.#clock.now();
      if (verdict.kind === 'gone') await this.#store.disableChannel(delivery.botId, 'The webhook answered 410 Gone.', now);
      const result: AttemptResult = {
        deliveryId: delivery.id,
        number: delivery.attemptNumber,
        attemptedAt,
        url: delivery.channel.url,
        statusCode: outcome.statusCode,
        latencyMs: outcome.latencyMs,
        outcome: verdict.kind === 'delivered' ? 'succeeded' : 'failed',
        error: outcome.error,
        next: nextState(verdict, now),
      };
      await this.#store.recordAttempt(result);

      const logged = { ...context, statusCode: outcome.statusCode, latencyMs: outcome.latencyMs, error: outcome.error ?? undefined };
      const end = endOf(verdict);
      if (end) this.metrics.recordEnd(end);
      if (verdict.kind === 'delivered') this.#log.debug(logged, 'bot message delivered');
      else if (verdict.kind === 'retry') this.#log.info({ ...logged, retryInMs: verdict.delayMs }, 'delivery attempt failed; retrying');
      else if (verdict.kind === 'gone') this.#log.warn(logged, 'the webhook answered 410 Gone; channel disabled');
      else this.#log.warn(logged, 'delivery failed after its last attempt');
    } catch (error) {
      // The lease expires and the delivery is claimed again: at least once.
      this.#log.error({ ...context, err: error }, 'recording a delivery attempt failed');
    }
  }
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

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer (got ${value})`);
  return value;
}
