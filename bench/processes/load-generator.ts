/**
 * The load generator, a process of its own (so it never shares an event loop with what it
 * measures): POSTs `sendMessage` bodies through one undici Pool, either
 * - closed loop: `connections` loops, each sending its next request as soon as it has an answer
 *   (the most the target takes), for `durationMs` or `count` requests; or
 * - open loop: request `i` is due `i / ratePerSecond` s after the start, whatever the answers,
 *   as independent users send; its latency counts from when it was due, so a slow target
 *   cannot hide its queue (no coordinated omission).
 * Every run is bounded in count and time; requests still unanswered `graceMs` after the last
 * one was due are aborted and counted as `network`.
 */
import { Pool } from 'undici';
import { epochMs, serveRequests } from '../ipc.js';
import { summarizeLatencies, type LatencySummary } from '../latency.js';

export interface LoadPlan {
  origin: string;
  /**
   * Several instances behind one address, as a load balancer would spread them: each gets a Pool
   * of its own (`connections` shared out), and each conversation's successive messages go to the
   * instances in turn. `origin` alone when omitted.
   */
  origins?: string[];
  path: string;
  headers: Record<string, string>;
  /** Request `i` sends `bodies[i % bodies.length]` (one body per conversation). */
  bodies: string[];
  mode: 'closed' | 'open';
  /** Connections of the Pool (closed loop: requests in flight). */
  connections: number;
  /** Requests in all, at most. */
  count: number;
  /** No request starts (closed) or is due (open) after this long. */
  durationMs: number;
  /** Open loop only. */
  ratePerSecond?: number;
  /** Keep every 202's request index, due time, answer time and messageId. */
  keepAnswers?: boolean;
  /** How long answers may still come after the last request started; then the rest are aborted. */
  graceMs?: number;
}

export interface LoadResult {
  sent: number;
  /** Answered 202. */
  accepted: number;
  /** Answers by status; `network` for requests that got none. */
  statuses: Record<string, number>;
  errorSamples: string[];
  /** Epoch ms: the first request, the last answer, the end of the sending window. */
  startedAt: number;
  endedAt: number;
  sendingEndedAt: number;
  /** Of the 202s, from sending (closed) or from being due (open) to the end of the body. */
  latency: LatencySummary;
  /** With `keepAnswers`: for each 202, [index, dueAt, answeredAt] and its messageId. */
  answers: Array<[number, number, number]>;
  messageIds: string[];
}

const MAX_ERROR_SAMPLES = 5;

async function runLoad(plan: LoadPlan): Promise<LoadResult> {
  const origins = plan.origins && plan.origins.length > 0 ? plan.origins : [plan.origin];
  const pools = origins.map(
    (origin) =>
      new Pool(origin, {
        connections: Math.max(1, Math.ceil(plan.connections / origins.length)),
        pipelining: 1,
        headersTimeout: 30_000,
        bodyTimeout: 30_000,
      }),
  );
  /** Request `index` is conversation `index % bodies`, its round-th message: rounds alternate between instances. */
  const poolOf = (index: number) => pools[Math.floor(index / plan.bodies.length) % pools.length]!;
  const statuses: Record<string, number> = {};
  const errorSamples: string[] = [];
  const latencies: number[] = [];
  const answers: Array<[number, number, number]> = [];
  const messageIds: string[] = [];
  const abort = new AbortController();
  const startedAt = epochMs();
  const deadline = startedAt + plan.durationMs;
  let sent = 0;
  let lastAnswer = startedAt;

  /** Set when the run stops waiting: a request settling later (aborted by `pool.destroy`) is already counted as unsettled. */
  let finished = false;
  const count = (label: string) => {
    if (!finished) statuses[label] = (statuses[label] ?? 0) + 1;
  };
  const one = async (index: number, dueAt: number) => {
    sent++;
    try {
      const response = await poolOf(index).request({
        method: 'POST',
        path: plan.path,
        headers: plan.headers,
        body: plan.bodies[index % plan.bodies.length],
        signal: abort.signal,
      });
      const text = await response.body.text();
      const at = epochMs();
      lastAnswer = at;
      count(String(response.statusCode));
      if (response.statusCode !== 202) {
        if (errorSamples.length < MAX_ERROR_SAMPLES) errorSamples.push(`${response.statusCode}: ${text.slice(0, 200)}`);
        return;
      }
      if (finished) return;
      latencies.push(at - dueAt);
      if (plan.keepAnswers) {
        answers.push([index, dueAt, at]);
        messageIds.push((JSON.parse(text) as { messageId: string }).messageId);
      }
    } catch (error) {
      count('network');
      if (errorSamples.length < MAX_ERROR_SAMPLES) errorSamples.push(`network: ${(error as Error).message}`);
    }
  };

  const inFlight = new Set<Promise<void>>();
  if (plan.mode === 'closed') {
    let next = 0;
    const loop = async () => {
      while (next < plan.count && epochMs() < deadline) {
        const index = next++;
        await one(index, epochMs());
      }
    };
    inFlight.add(Promise.all(Array.from({ length: plan.connections }, loop)).then(() => undefined));
  } else {
    const rate = plan.ratePerSecond!;
    const total = Math.min(plan.count, Math.floor((plan.durationMs / 1000) * rate));
    let index = 0;
    while (index < total) {
      const now = epochMs();
      // Everything due by now starts now; then sleep until the next one is due.
      while (index < total && startedAt + (index * 1000) / rate <= now) {
        const promise = one(index, startedAt + (index * 1000) / rate);
        inFlight.add(promise);
        void promise.then(() => inFlight.delete(promise));
        index++;
      }
      if (index < total) {
        const wait = startedAt + (index * 1000) / rate - epochMs();
        if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
        else await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }
  const sendingEndedAt = epochMs();
  const graceMs = (plan.graceMs ?? 30_000) + Math.max(0, deadline - epochMs());
  const grace = setTimeout(() => abort.abort(new Error('still unanswered at the end of the run')), graceMs);
  // Aborting settles every request at once, unless this process is starved of CPU: then stop
  // waiting anyway, and count what had not settled.
  let hardStop: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(inFlight), new Promise((resolve) => (hardStop = setTimeout(resolve, graceMs + 10_000)))]);
  clearTimeout(grace);
  clearTimeout(hardStop);
  finished = true;
  const settled = Object.values(statuses).reduce((sum, k) => sum + k, 0);
  if (settled < sent) statuses.unsettled = sent - settled;
  await Promise.all(pools.map((pool) => pool.destroy().catch(() => undefined)));
  return {
    sent,
    accepted: latencies.length,
    statuses,
    errorSamples,
    startedAt,
    endedAt: lastAnswer,
    sendingEndedAt,
    latency: summarizeLatencies(latencies),
    answers,
    messageIds,
  };
}

serveRequests({
  ready: () => ({ pid: process.pid }),
  run: ({ plan }: { plan: LoadPlan }) => runLoad(plan),
});
