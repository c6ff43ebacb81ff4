/**
 * `npm run bench`: measures the HTTP floor, the accept path, end-to-end delivery, routing and
 * validation against the number of operations, and memory across the load; prints one table
 * each. The servers run on this process's main thread and the load client on a worker thread,
 * all on 127.0.0.1; every loop is bounded in count and time, and a watchdog ends a run that
 * overstays. Exits 1 when a check fails (an unexpected status, a bot message missing, twice or
 * out of order, a count not reached in time), so figures are never read off a broken run.
 */
import { cpus } from 'node:os';
import { benchAccept, type AcceptOptions } from './accept.js';
import { startBenchServer } from './bench-server.js';
import { benchDelivery, type DeliveryOptions, type DeliveryResult } from './delivery.js';
import { benchHealth } from './health.js';
import type { LoadResult } from './load.js';
import { memorySnapshot, type MemorySnapshot } from './memory.js';
import { benchRouting, EXTRA_PATHS, type RoutingRow } from './routing.js';
import { formatNumber, printTable } from './table.js';

const CONNECTIONS = 16;
const SETTINGS = {
  warmup: { count: 300, concurrency: 8, senders: 30, maxMs: 10_000 },
  health: { count: 20_000, concurrency: CONNECTIONS, maxMs: 15_000 },
  /** Run twice on one server: heap growth from the first round to the second would be a leak. */
  accept: { count: 1_500, concurrency: CONNECTIONS, senders: 300, maxMs: 30_000 },
  delivery: {
    /** Paced well under capacity: the latency of the pipeline itself, not of a backlog. */
    paced: { count: 150, concurrency: 4, senders: 30, ratePerSecond: 25, maxMs: 15_000, drainTimeoutMs: 15_000 },
    /** As fast as answered: the most the server takes, and the backlog it builds. */
    load: { count: 1_000, concurrency: CONNECTIONS, senders: 100, maxMs: 30_000, drainTimeoutMs: 45_000 },
  },
} satisfies Record<string, unknown>;
/** The whole run takes about a minute and a half on 2 cores; past this something hangs. */
const WATCHDOG_MS = 170_000;

interface LoadRow {
  name: string;
  planned: number;
  result: LoadResult;
}

async function main(): Promise<void> {
  const watchdog = setTimeout(() => {
    console.error(`\nbench: still running after ${WATCHDOG_MS / 1000} s; stopping`);
    process.exit(1);
  }, WATCHDOG_MS);
  watchdog.unref();
  const started = Date.now();
  console.log(`webhook-channel bench: Node ${process.version}, ${cpus().length} CPU (${cpus()[0]?.model ?? 'unknown'})`);

  const memory: MemorySnapshot[] = [memorySnapshot('start')];
  const loads: LoadRow[] = [];
  const routing = await benchRouting();

  // The accept path alone: no delivery worker at all.
  const workerless = await startBenchServer({}, { startDelivery: false });
  try {
    await benchAccept(workerless, SETTINGS.warmup);
    loads.push(await acceptRow('sendMessage, delivery worker off', workerless, SETTINGS.accept));
  } finally {
    await workerless.close();
  }

  // As configured: the worker runs, but no channel is configured, so every delivery is held.
  const server = await startBenchServer();
  try {
    await benchAccept(server, SETTINGS.warmup);
    await benchHealth(server, { ...SETTINGS.health, count: 2_000 });
    memory.push(memorySnapshot('server warmed up'));
    loads.push({ name: 'getHealth', planned: SETTINGS.health.count, result: await benchHealth(server, SETTINGS.health) });
    loads.push(await acceptRow('sendMessage, no channel, round 1', server, SETTINGS.accept));
    memory.push(memorySnapshot('after sendMessage round 1'));
    loads.push(await acceptRow('sendMessage, no channel, round 2', server, SETTINGS.accept));
    memory.push(memorySnapshot('after sendMessage round 2'));
  } finally {
    await server.close();
  }

  const delivery = { paced: await benchDelivery(SETTINGS.delivery.paced), load: await benchDelivery(SETTINGS.delivery.load) };
  loads.push({ name: 'sendMessage, channel active', planned: SETTINGS.delivery.load.count, result: delivery.load.accept });
  memory.push(memorySnapshot('after delivery, servers closed'));

  printLoads(loads);
  printDelivery(delivery);
  printRouting(routing);
  printMemory(memory);
  const failures = [...loadFailures(loads), ...deliveryFailures('paced', delivery.paced), ...deliveryFailures('load', delivery.load)];
  console.log(`\nTook ${formatNumber((Date.now() - started) / 1000, 1)} s.`);
  if (failures.length > 0) {
    console.log(`FAILED:\n${failures.map((failure) => `  ${failure}`).join('\n')}`);
    process.exitCode = 1;
  } else {
    console.log('Every answer as expected; every bot message delivered once, in order per conversation.');
  }
  clearTimeout(watchdog);
}

async function acceptRow(name: string, server: Parameters<typeof benchAccept>[0], options: AcceptOptions): Promise<LoadRow> {
  return { name, planned: options.count, result: await benchAccept(server, options) };
}

function printLoads(loads: LoadRow[]): void {
  printTable(
    `HTTP load, ${CONNECTIONS} connections (sendMessage: "hi", 3 bot messages each; ${SETTINGS.accept.senders} senders, or ${SETTINGS.delivery.load.senders} with the channel active)`,
    ['operation', 'sent', 'ok', 'errors', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
    loads.map(({ name, result: r }) => [
      name,
      r.sent,
      r.ok,
      r.errors,
      formatNumber(r.requestsPerSecond),
      formatNumber(r.latency.p50, 1),
      formatNumber(r.latency.p95, 1),
      formatNumber(r.latency.p99, 1),
      formatNumber(r.latency.max, 1),
    ]),
  );
}

function printDelivery(runs: { paced: DeliveryResult; load: DeliveryResult }): void {
  const column = (options: DeliveryOptions) =>
    `${options.count} msgs${options.ratePerSecond ? ` at ${options.ratePerSecond}/s` : ''}, ${options.concurrency} conn, ${options.senders} convs`;
  const row = (label: string, value: (d: DeliveryResult) => string | number): Array<string | number> => [label, value(runs.paced), value(runs.load)];
  printTable(
    'End-to-end delivery to a local receiver (each "hi" answered by 3 bot messages)',
    ['measure', column(SETTINGS.delivery.paced), column(SETTINGS.delivery.load)],
    [
      row('sendMessage req/s', (d) => formatNumber(d.accept.requestsPerSecond)),
      row('bot messages queued', (d) => d.queued),
      row('delivered (distinct webhook-id)', (d) => d.delivered),
      row('duplicates / missing', (d) => `${d.duplicates} / ${d.missing}`),
      row('conversations out of order', (d) => `${d.conversationsOutOfOrder} of ${d.conversations}`),
      row('deliveries/s, first send to last arrival', (d) => formatNumber(d.deliveriesPerSecond)),
      row('deliveries/s while sending', (d) => formatNumber(d.deliveriesPerSecondWhileSending)),
      row('deliveries/s after sending (worker alone)', (d) => formatNumber(d.deliveriesPerSecondAfterSending)),
      row('backlog left when sending ended, ms', (d) => formatNumber(d.drainMs)),
      row('202 → receiver p50 ms', (d) => formatNumber(d.latency.p50, 1)),
      row('202 → receiver p95 ms', (d) => formatNumber(d.latency.p95, 1)),
      row('202 → receiver p99 ms', (d) => formatNumber(d.latency.p99, 1)),
      row('202 → receiver max ms', (d) => formatNumber(d.latency.max, 1)),
      row('arrived before the client read the 202', (d) => d.arrivedBefore202),
    ],
  );
}

function printRouting(rows: RoutingRow[]): void {
  printTable(
    `Routing and validation, calls/s on one thread: the real spec vs. the same plus ${EXTRA_PATHS} paths`,
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
    'Memory (servers run in this process; heap of the main thread), each after a full GC',
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

function loadFailures(loads: LoadRow[]): string[] {
  return loads.flatMap(({ name, planned, result: r }) => [
    ...(r.errors > 0 ? [`${name}: ${r.errors} unexpected answers ${JSON.stringify(r.statuses)}; e.g. ${r.errorSamples.join(' | ')}`] : []),
    ...(r.sent < planned ? [`${name}: ${r.sent} of ${planned} requests sent within the time bound`] : []),
  ]);
}

function deliveryFailures(name: string, d: DeliveryResult): string[] {
  return [
    ...(d.accept.errors > 0 ? [`delivery ${name}: ${d.accept.errors} unexpected answers ${JSON.stringify(d.accept.statuses)}; e.g. ${d.accept.errorSamples.join(' | ')}`] : []),
    ...(d.timedOut ? [`delivery ${name}: ${d.delivered} of ${d.queued} arrived within the time bound`] : []),
    ...(d.missing > 0 ? [`delivery ${name}: ${d.missing} bot messages missing`] : []),
    ...(d.duplicates > 0 ? [`delivery ${name}: ${d.duplicates} delivered twice`] : []),
    ...(d.conversationsOutOfOrder > 0 ? [`delivery ${name}: ${d.conversationsOutOfOrder} conversations out of order or with a gap`] : []),
  ];
}

await main();
