/**
 * `npm run bench`: measures the HTTP floor, the accept path, end-to-end delivery, routing
 * against the number of operations, and memory across the load, and prints one table each.
 * Everything runs in this process against 127.0.0.1, every loop is bounded in count and time,
 * and a watchdog ends the run if it ever overstays. Exits 1 when a check fails (an unexpected
 * status, a bot message missing or out of order), so the figures are never read off a broken run.
 */
import { cpus } from 'node:os';
import { benchAccept } from './accept.js';
import { startBenchServer } from './bench-server.js';
import { benchDelivery, type DeliveryResult } from './delivery.js';
import { benchHealth } from './health.js';
import type { LoadResult } from './load.js';
import { memorySnapshot, type MemorySnapshot } from './memory.js';
import { benchRouting, EXTRA_PATHS } from './routing.js';
import { formatNumber, printTable } from './table.js';

const SETTINGS = {
  health: { count: 20_000, concurrency: 16, maxMs: 15_000 },
  /** Run twice on one server: heap growth from the first round to the second would be a leak. */
  accept: { count: 3_000, concurrency: 16, senders: 300, maxMs: 30_000 },
  delivery: { count: 1_000, concurrency: 16, senders: 100, maxMs: 30_000, drainTimeoutMs: 45_000 },
  warmup: { count: 300, concurrency: 8, senders: 30, maxMs: 10_000 },
};
/** The whole run stays well under three minutes; past this something hangs, and the run ends. */
const WATCHDOG_MS = 170_000;

async function main(): Promise<void> {
  const watchdog = setTimeout(() => {
    console.error(`\nbench: still running after ${WATCHDOG_MS / 1000} s; stopping`);
    process.exit(1);
  }, WATCHDOG_MS);
  watchdog.unref();
  console.log(`webhook-channel bench: Node ${process.version}, ${cpus().length} CPU (${cpus()[0]?.model ?? 'unknown'})`);

  const memory: MemorySnapshot[] = [memorySnapshot('start')];
  const loads: Array<[string, LoadResult]> = [];

  const routing = await benchRouting();
  const server = await startBenchServer();
  try {
    await benchAccept(server, SETTINGS.warmup);
    await benchHealth(server, { ...SETTINGS.warmup, count: 2_000 });
    memory.push(memorySnapshot('server warmed up'));
    loads.push(['getHealth', await benchHealth(server, SETTINGS.health)]);
    loads.push(['sendMessage, round 1', await benchAccept(server, SETTINGS.accept)]);
    memory.push(memorySnapshot('after sendMessage round 1'));
    loads.push(['sendMessage, round 2', await benchAccept(server, SETTINGS.accept)]);
    memory.push(memorySnapshot('after sendMessage round 2'));
  } finally {
    await server.close();
  }

  const delivery = await benchDelivery(SETTINGS.delivery);
  loads.push(['sendMessage, delivering', delivery.accept]);
  memory.push(memorySnapshot('after delivery, servers closed'));

  printLoads(loads);
  printDelivery(delivery);
  printRouting(routing);
  printMemory(memory);
  const failures = failuresOf(loads, delivery);
  if (failures.length > 0) {
    console.log(`\nFAILED:\n${failures.map((failure) => `  ${failure}`).join('\n')}`);
    process.exitCode = 1;
  } else {
    console.log('\nAll answers as expected; every bot message delivered once, in order per conversation.');
  }
  clearTimeout(watchdog);
}

function printLoads(loads: Array<[string, LoadResult]>): void {
  printTable(
    `HTTP load (${SETTINGS.accept.concurrency} connections; sendMessage "hi" across ${SETTINGS.accept.senders} senders, no channel; delivering: ${SETTINGS.delivery.senders} senders to a local receiver)`,
    ['operation', 'sent', 'ok', 'errors', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
    loads.map(([name, r]) => [
      name,
      r.sent,
      r.ok,
      r.errors,
      formatNumber(r.requestsPerSecond),
      formatNumber(r.latency.p50, 2),
      formatNumber(r.latency.p95, 2),
      formatNumber(r.latency.p99, 2),
      formatNumber(r.latency.max, 2),
    ]),
  );
}

function printDelivery(d: DeliveryResult): void {
  printTable(
    `End-to-end delivery (${SETTINGS.delivery.count} sendMessage, ${d.conversations} conversations, 3 bot messages each)`,
    ['measure', 'value'],
    [
      ['bot messages queued', d.queued],
      ['delivered (distinct webhook-id)', d.delivered],
      ['duplicates', d.duplicates],
      ['missing', d.missing],
      ['conversations out of order', d.conversationsOutOfOrder],
      ['deliveries/s (first send to last arrival)', formatNumber(d.deliveriesPerSecond)],
      ['backlog drained after sending ended, ms', formatNumber(d.drainMs)],
      ['202 → receiver p50 ms', formatNumber(d.latency.p50, 1)],
      ['202 → receiver p95 ms', formatNumber(d.latency.p95, 1)],
      ['202 → receiver p99 ms', formatNumber(d.latency.p99, 1)],
      ['202 → receiver max ms', formatNumber(d.latency.max, 1)],
      ['arrived before the client read the 202', d.arrivedBefore202],
    ],
  );
}

function printRouting(rows: Awaited<ReturnType<typeof benchRouting>>): void {
  printTable(
    `Routing and validation, calls/s: the real spec vs. the same with ${EXTRA_PATHS} more paths`,
    ['subject', 'request', 'real spec', `+${EXTRA_PATHS} paths`, 'larger/real'],
    rows.map((row) => [
      row.subject,
      row.request,
      formatNumber(row.realOpsPerSecond),
      formatNumber(row.largerOpsPerSecond),
      formatNumber(row.largerOpsPerSecond / row.realOpsPerSecond, 2),
    ]),
  );
}

function printMemory(snapshots: MemorySnapshot[]): void {
  const base = snapshots.find((s) => s.label === 'server warmed up') ?? snapshots[0]!;
  printTable(
    'Memory of the bench process (server in-process), each after a full GC',
    ['when', 'rss MB', 'heapUsed MB', 'external MB', 'heap vs warmed up'],
    snapshots.map((s) => [
      s.label,
      formatNumber(s.rssMb, 1),
      formatNumber(s.heapUsedMb, 1),
      formatNumber(s.externalMb, 1),
      `${s.heapUsedMb >= base.heapUsedMb ? '+' : ''}${formatNumber(s.heapUsedMb - base.heapUsedMb, 1)}`,
    ]),
  );
}

function failuresOf(loads: Array<[string, LoadResult]>, delivery: DeliveryResult): string[] {
  const failures: string[] = [];
  for (const [name, r] of loads) {
    if (r.errors > 0) failures.push(`${name}: ${r.errors} unexpected answers ${JSON.stringify(r.statuses)}; e.g. ${r.errorSamples.join(' | ')}`);
    if (r.sent < (name.startsWith('getHealth') ? SETTINGS.health.count : name.endsWith('delivering') ? SETTINGS.delivery.count : SETTINGS.accept.count)) {
      failures.push(`${name}: only ${r.sent} requests sent before the time bound`);
    }
  }
  if (delivery.timedOut) failures.push(`delivery: ${delivery.delivered} of ${delivery.queued} arrived within ${SETTINGS.delivery.drainTimeoutMs} ms`);
  if (delivery.missing > 0) failures.push(`delivery: ${delivery.missing} bot messages missing`);
  if (delivery.duplicates > 0) failures.push(`delivery: ${delivery.duplicates} delivered twice`);
  if (delivery.conversationsOutOfOrder > 0) failures.push(`delivery: ${delivery.conversationsOutOfOrder} conversations out of order or with a gap`);
  return failures;
}

await main();
