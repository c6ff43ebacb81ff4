/**
 * End-to-end delivery: the channel points at a local receiver, `sendMessage` runs under load,
 * and each bot message is timed from the 202 of the user message it answers (its `inReplyTo`)
 * to its arrival at the receiver. Then the arrivals are checked: per conversation, the
 * messageCounters arrive 1, 2, 3… with none missing and none twice.
 */
import { startWebhookReceiver } from '../test/support/webhook-receiver.js';
import { startBenchServer } from './bench-server.js';
import { summarizeLatencies, type LatencySummary } from './latency.js';
import { epochMs, runLoadInThread, type LoadResult } from './load.js';
import { BOT_MESSAGES_PER_HELLO, helloBodies, SEND_MESSAGE, senderId } from './send-message.js';

export interface DeliveryOptions {
  count: number;
  concurrency: number;
  senders: number;
  /** Bounds the sending. */
  maxMs: number;
  /** Paces the requests (see `LoadPlan`); none: as fast as answered. */
  ratePerSecond?: number;
  /** Bounds the wait for the last delivery once sending is over. */
  drainTimeoutMs: number;
  /** Server settings of this run (e.g. the delivery concurrency). */
  env?: Record<string, string>;
}

export interface DeliveryResult {
  accept: LoadResult;
  /** Deliveries the server queued (rows in its store). */
  queued: number;
  /** Distinct webhook-ids that arrived. */
  delivered: number;
  duplicates: number;
  /** Delivered, per second, from the first request sent to the last arrival. */
  deliveriesPerSecond: number;
  /** Delivered per second while the requests were being sent (accepts compete for the store). */
  deliveriesPerSecondWhileSending: number;
  /** Delivered per second after the last request: the worker alone. */
  deliveriesPerSecondAfterSending: number;
  /** From the end of sending to the last arrival: the backlog the worker had left. */
  drainMs: number;
  /** From the 202 of the user message to the arrival of each bot message. */
  latency: LatencySummary;
  /** Bot messages that arrived before the client had read the 202 of their user message. */
  arrivedBefore202: number;
  conversations: number;
  /** Conversations whose counters arrived out of order or with a gap. */
  conversationsOutOfOrder: number;
  /** Bot messages of accepted user messages that never arrived. */
  missing: number;
  timedOut: boolean;
}

const VERIFY_TOKEN = 'bench-verify-token';

export async function benchDelivery(options: DeliveryOptions): Promise<DeliveryResult> {
  const arrivals: number[] = [];
  const receiver = await startWebhookReceiver({
    verifyToken: VERIFY_TOKEN,
    answer: (_webhook, index) => {
      arrivals[index] = epochMs();
      return { status: 200 };
    },
  });
  const server = await startBenchServer(options.env).catch(async (error) => {
    await receiver.close();
    throw error;
  });
  try {
    const configured = await server.call('putWebhookChannel', { body: { url: receiver.url, verifyToken: VERIFY_TOKEN } });
    if (configured.status !== 200) throw new Error(`configuring the channel answered ${configured.status}: ${JSON.stringify(configured.body)}`);

    const accept = await runLoadInThread({
      origin: server.url,
      ...SEND_MESSAGE,
      bodies: helloBodies(options.senders),
      count: options.count,
      concurrency: options.concurrency,
      maxMs: options.maxMs,
      ratePerSecond: options.ratePerSecond,
      expectStatus: 202,
      keepAnswers: true,
    });
    const { startedAt: started, endedAt: sendingEnded } = accept;
    const acceptedAt = new Map<string, number>();
    const acceptedPerSender = new Map<string, number>();
    for (const answer of accept.answers) {
      acceptedAt.set((JSON.parse(answer.body) as { messageId: string }).messageId, answer.at);
      const sender = senderId(answer.index % options.senders);
      acceptedPerSender.set(sender, (acceptedPerSender.get(sender) ?? 0) + 1);
    }

    const queued = Number(
      (await server.server.database.db.selectFrom('deliveries').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n,
    );
    let timedOut = false;
    await receiver.waitForCount(queued, options.drainTimeoutMs).catch(() => {
      timedOut = true;
    });

    const webhooks = receiver.received.slice();
    const lastArrival = Math.max(sendingEnded, ...arrivals.slice(0, webhooks.length));
    const seen = new Set<string>();
    const countersBySender = new Map<string, number[]>();
    const latencies: number[] = [];
    let duplicates = 0;
    let arrivedBefore202 = 0;
    webhooks.forEach((webhook, index) => {
      const id = String(webhook.headers['webhook-id']);
      if (seen.has(id)) {
        duplicates++;
        return;
      }
      seen.add(id);
      const event = webhook.body as { senderId: string; inReplyTo: string; messageCounter: number };
      const counters = countersBySender.get(event.senderId) ?? [];
      counters.push(event.messageCounter);
      countersBySender.set(event.senderId, counters);
      const accepted = acceptedAt.get(event.inReplyTo);
      if (accepted === undefined) return;
      latencies.push(arrivals[index]! - accepted);
      if (arrivals[index]! < accepted) arrivedBefore202++;
    });

    const deliveredWhileSending = arrivals.slice(0, webhooks.length).filter((at) => at <= sendingEnded).length;

    let missing = 0;
    let conversationsOutOfOrder = 0;
    for (const [sender, accepted] of acceptedPerSender) {
      const counters = countersBySender.get(sender) ?? [];
      missing += Math.max(0, accepted * BOT_MESSAGES_PER_HELLO - counters.length);
      if (counters.some((counter, i) => counter !== i + 1)) conversationsOutOfOrder++;
    }

    return {
      accept,
      queued,
      delivered: seen.size,
      duplicates,
      deliveriesPerSecond: (seen.size / (lastArrival - started)) * 1000,
      deliveriesPerSecondWhileSending: (deliveredWhileSending / (sendingEnded - started)) * 1000,
      deliveriesPerSecondAfterSending: lastArrival > sendingEnded ? ((webhooks.length - deliveredWhileSending) / (lastArrival - sendingEnded)) * 1000 : NaN,
      drainMs: lastArrival - sendingEnded,
      latency: summarizeLatencies(latencies),
      arrivedBefore202,
      conversations: acceptedPerSender.size,
      conversationsOutOfOrder,
      missing,
      timedOut,
    };
  } finally {
    await server.close();
    await receiver.close();
  }
}
