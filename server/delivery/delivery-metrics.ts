/** The worker's Prometheus metrics, registered in the registry it is given. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { RequestFailure } from './request-error.js';

/** How a delivery ended (or stopped): `disabled` when its receiver answered 410. */
export type DeliveryEnd = 'succeeded' | 'failed' | 'disabled';

/** What one attempt got: a status class, or why it got none. */
export type AttemptResultLabel = '2xx' | '3xx' | '4xx' | '5xx' | 'other' | Exclude<RequestFailure, 'aborted'>;

export class DeliveryMetrics {
  readonly deliveries: Counter<'outcome'>;
  readonly attempts: Counter<'result'>;
  readonly attemptDuration: Histogram<'result'>;
  readonly queueDepth: Gauge;

  constructor(registry: Registry, countPending: () => Promise<number>) {
    const registers = [registry];
    this.deliveries = new Counter({
      name: 'webhook_channel_deliveries_total',
      help: 'Deliveries that ended: succeeded, failed (dead letter after the last attempt) or disabled (the receiver answered 410).',
      labelNames: ['outcome'],
      registers,
    });
    this.attempts = new Counter({
      name: 'webhook_channel_delivery_attempts_total',
      help: 'Delivery attempts by what they got: a status class, or why there was no answer.',
      labelNames: ['result'],
      registers,
    });
    this.attemptDuration = new Histogram({
      name: 'webhook_channel_delivery_attempt_duration_seconds',
      help: 'Time from sending a bot message to the end of the answer (or the failure).',
      labelNames: ['result'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.queueDepth = new Gauge({
      name: 'webhook_channel_delivery_queue_depth',
      help: 'Pending deliveries: waiting for their turn, their next attempt, or a disabled channel (NaN while the database cannot be read).',
      registers,
      async collect() {
        // The metrics must answer most when something is wrong: a lost database makes this one
        // unknown (NaN, which Prometheus reads), not the whole page an error.
        this.set(await countPending().catch(() => Number.NaN));
      },
    });
  }

  recordAttempt(statusCode: number | null, failure: RequestFailure | null, latencyMs: number): void {
    const result = resultLabel(statusCode, failure);
    this.attempts.inc({ result });
    this.attemptDuration.observe({ result }, latencyMs / 1000);
  }

  recordEnd(outcome: DeliveryEnd): void {
    this.deliveries.inc({ outcome });
  }
}

function resultLabel(statusCode: number | null, failure: RequestFailure | null): AttemptResultLabel {
  if (statusCode !== null) {
    const labels = { 2: '2xx', 3: '3xx', 4: '4xx', 5: '5xx' } as const;
    return labels[Math.floor(statusCode / 100) as 2 | 3 | 4 | 5] ?? 'other';
  }
  return failure === null || failure === 'aborted' ? 'connection-failed' : failure;
}
