/**
 * End-to-end latency, open loop: "hi" at a fixed rate over `conversations` conversations, each
 * timed from when it was due to be sent to the first webhook answering it (its `inReplyTo`).
 * After the last 202, the receiver gets `settleMs` more; what has not arrived by then is
 * missing. Order: per conversation, each new webhook-id must carry a higher messageCounter
 * than every one before it.
 */
import { summarizeLatencies, type LatencySummary } from '../latency.js';
import { epochMs } from '../ipc.js';
import { BOT_MESSAGES_PER_HELLO, helloBodies, waitUntil, type LoadGenerator, type Receiver, type Target } from '../targets.js';
import type { LoadResult } from '../processes/load-generator.js';

export interface EndToEndSettings {
  ratePerSecond: number;
  conversations: number;
  durationMs: number;
  /** How long after the last 202 the webhooks may still arrive. */
  settleMs: number;
}

export interface EndToEndResult {
  target: string;
  settings: EndToEndSettings;
  load: LoadResult;
  /** Due → first webhook of each accepted message that got one. */
  latency: LatencySummary;
  /** Bot messages of accepted user messages that had not arrived `settleMs` after the last 202. */
  missing: number;
  /** Accepted user messages with no webhook at all by then. */
  unanswered: number;
  /** Webhooks that arrived after one with a higher counter in the same conversation. */
  outOfOrder: number;
  duplicates: number;
}

export async function measureEndToEnd(target: Target, receiver: Receiver, load: LoadGenerator, settings: EndToEndSettings): Promise<EndToEndResult> {
  await receiver.reset({ record: true });
  const result = await load.run({
    origin: target.origin,
    origins: target.origins,
    bodies: helloBodies(settings.conversations),
    mode: 'open',
    ratePerSecond: settings.ratePerSecond,
    connections: 256,
    count: Math.ceil((settings.ratePerSecond * settings.durationMs) / 1000),
    durationMs: settings.durationMs,
    keepAnswers: true,
    // A 202 later than this is no longer an answer a user waits for; the request counts as `network`.
    graceMs: 10_000,
  });
  const expected = result.accepted * BOT_MESSAGES_PER_HELLO;
  const until = result.endedAt + settings.settleMs;
  await waitUntil(async () => (await receiver.count()).total >= expected || epochMs() >= until, settings.settleMs + 5_000, 'settling');
  const arrivals = await receiver.arrivals();

  const dueOf = new Map<string, number>();
  result.answers.forEach(([, dueAt], i) => dueOf.set(result.messageIds[i]!, dueAt));
  const first = new Map<string, number>();
  const seen = new Set<string>();
  const highest = new Map<string, number>();
  let duplicates = 0;
  let outOfOrder = 0;
  let delivered = 0;
  for (let i = 0; i < arrivals.at.length; i++) {
    if (arrivals.at[i]! > until) continue;
    const id = arrivals.webhookId[i]!;
    if (seen.has(id)) {
      duplicates++;
      continue;
    }
    seen.add(id);
    const inReplyTo = arrivals.inReplyTo[i]!;
    if (!dueOf.has(inReplyTo)) continue;
    delivered++;
    if (!first.has(inReplyTo)) first.set(inReplyTo, arrivals.at[i]!);
    const sender = arrivals.senderId[i]!;
    if ((highest.get(sender) ?? 0) >= arrivals.counter[i]!) outOfOrder++;
    else highest.set(sender, arrivals.counter[i]!);
  }
  const latencies = [...first].map(([messageId, at]) => at - dueOf.get(messageId)!);
  return {
    target: target.name,
    settings,
    load: result,
    latency: summarizeLatencies(latencies),
    missing: expected - delivered,
    unanswered: result.accepted - first.size,
    outOfOrder,
    duplicates,
  };
}
