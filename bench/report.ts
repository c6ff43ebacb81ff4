/**
 * The bench's report: one Markdown document (machine, versions, date, settings, then a table per
 * measurement and the issue's targets), written to `bench/results/latest.md` and printed. It is
 * written again after each part, so a run stopped midway still leaves what it measured.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { canPin } from './children.js';
import type { ColdStart } from './scenarios/cold-start.js';
import type { DrainResult } from './scenarios/drain.js';
import type { EndToEndResult } from './scenarios/end-to-end.js';
import type { IsolationResult } from './scenarios/isolation.js';
import type { MemoryResult } from './scenarios/memory.js';
import type { ThroughputResult } from './scenarios/throughput.js';
import type { BenchSettings } from './settings.js';
import { formatNumber } from './table.js';
import { HELPER_CPUS, serverSettings, TARGET_CPU } from './targets.js';

export interface BenchResults {
  startedAt: Date;
  /** The 1-minute load average when the run started and when it ended: other work on the machine. */
  loadAverage: { start: number; end?: number };
  settings: BenchSettings;
  coldStart?: ColdStart[];
  throughput: ThroughputResult[];
  endToEnd: EndToEndResult[];
  drain: DrainResult[];
  isolation?: IsolationResult;
  memory?: MemoryResult;
  /** Why the PostgreSQL rows, (d) and (e), were not measured (no PostgreSQL binaries here). */
  postgresSkipped?: string;
  /** Parts that failed, with why. */
  failures: string[];
  finishedAt?: Date;
}

const PACKAGES = ['undici', 'better-sqlite3', 'koa', 'kysely'];
const n = (value: number | undefined, digits = 0) => (value === undefined ? '-' : formatNumber(value, digits));
const table = (header: string[], rows: Array<Array<string | number>>) =>
  [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');

function version(name: string): string {
  try {
    return (JSON.parse(readFileSync(`node_modules/${name}/package.json`, 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

function commit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no', '--', '.', ':!bench/results'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
    return dirty ? `${head} (with uncommitted changes)` : head;
  } catch {
    return '?';
  }
}

/** The 1-minute load average now. */
export function loadAverageNow(): number {
  return loadavg()[0]!;
}

export function renderReport(results: BenchResults): string {
  const { settings: s } = results;
  const lines: string[] = [];
  // Blocks are separated by blank lines (a Markdown table must not follow a paragraph directly).
  const add = (...blocks: string[]) => lines.push(...blocks.flatMap((block) => [block, '']));
  add('# webhook-channel bench');
  lines.push(
    `Made by \`${s.quick ? 'BENCH_QUICK=1 ' : ''}npm run bench\` on ${results.startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC` +
      `${results.finishedAt ? ` (took ${formatNumber((results.finishedAt.getTime() - results.startedAt.getTime()) / 60_000, 1)} min)` : ' (stopped before the end)'}.`,
    `- Machine: ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), Linux ${process.platform === 'linux' ? readOs() : process.platform}; ` +
      `load average ${formatNumber(results.loadAverage.start, 1)} at the start${results.loadAverage.end === undefined ? '' : `, ${formatNumber(results.loadAverage.end, 1)} at the end`} ` +
      `(above ~1, other work shared the CPUs: rates drop, ratios within the run and CPU per message hold better).`,
    `- Node ${process.version}; ${PACKAGES.map((name) => `${name} ${version(name)}`).join(', ')}; commit ${commit()}.`,
    `- Every target is a process of its own ${canPin ? `pinned to CPU ${TARGET_CPU} (\`taskset\`); the load generator and the receiver run on CPU ${HELPER_CPUS}` : '(no `taskset` here: not pinned)'}. All traffic on 127.0.0.1.`,
    `- The server runs as \`node dist/server/main.js\` (built first), on SQLite, with its delivery worker, the demo bot and bench settings: ${Object.entries(serverSettings())
      .map(([name, value]) => `\`${name}=${value}\``)
      .join(', ')} (the rate limit is lifted so that the figures show what the server takes; backpressure, e.g. \`CHANNEL_BACKLOG_LIMIT\`, stays at the server's default, and its 429s are counted under "other answers"; any server variable set in the bench's environment is passed on).`,
    results.postgresSkipped
      ? `- PostgreSQL rows (d) and (e) skipped: ${results.postgresSkipped}.`
      : `- (d) and (e): the same server on PostgreSQL (a throw-away server started for the bench, durable: fsync and synchronous commits on, unpinned, so it shares every CPU with the rest), one instance, then two instances on one database, both pinned to the target's CPU (one CPU's budget for both: what sharing the work costs, not how it scales); the load alternates each conversation's messages between the two; CPU counts the instances, not PostgreSQL. Shorter windows: ${formatNumber(s.postgres.throughput.durationMs / 1000)} s closed loop, ${formatNumber(s.postgres.endToEnd.durationMs / 1000)} s at ${formatNumber(s.postgres.endToEnd.ratePerSecond)}/s.`,
    ...(process.env.BENCH_NOTE ? [`- Note: ${process.env.BENCH_NOTE}`] : []),
    '',
  );

  if (results.throughput.length > 0) {
    const row = (r: ThroughputResult) => [
      r.target,
      n(r.acceptedPerSecond),
      r.target.startsWith('(a)') ? '-' : n(r.webhooksPerSecond),
      r.target.startsWith('(a)') ? '-' : n(r.webhooksPerSecond / r.acceptedPerSecond, 2),
      n(r.load.latency.p50, 1),
      n(r.load.latency.p99, 1),
      r.cpu === undefined ? '-' : `${formatNumber(r.cpu * 100)} %`,
      r.cpu === undefined ? '-' : n((r.cpu * 1000) / r.acceptedPerSecond, 2),
      r.loadCpu === undefined ? '-' : `${formatNumber(r.loadCpu * 100)} %`,
      n(r.peakRssMb),
      Object.entries(r.load.statuses)
        .filter(([status]) => status !== '202')
        .map(([status, count]) => `${count}×${status}`)
        .join(', ') || '0',
    ];
    const a = results.throughput.find((r) => r.target.startsWith('(a)'));
    const b = results.throughput.find((r) => r.target.startsWith('(b)'));
    const c = results.throughput.find((r) => r.target.startsWith('(c)'));
    add(
      `## Accepting under load`,
      `${s.throughput.connections} connections, closed loop, ${formatNumber(s.throughput.durationMs / 1000)} s after a ${formatNumber(s.throughput.warmupMs / 1000, 1)} s warm-up; "hi" over ${s.throughput.conversations} conversations (the demo bot answers with 3 messages). Webhooks/s: arriving at the receiver over the same window. CPU: of one core, over the window (the load generator's too: near 100 % it may be the limit); CPU ms per accepted includes the deliveries made meanwhile, and holds better than the rates on a busy machine.`,
      table(['target', 'accepted/s', 'webhooks/s meanwhile', 'webhooks per accepted', 'p50 ms', 'p99 ms', 'CPU', 'CPU ms per accepted', 'load generator CPU', 'peak RSS MB', 'other answers'], results.throughput.map(row)),
    );
    if (c) {
      add(
        `Ratios of (c), accepted/s: ${a ? `**${n(c.acceptedPerSecond / a.acceptedPerSecond, 2)}** of (a)` : ''}${a && b ? ', ' : ''}${b ? `**${n(c.acceptedPerSecond / b.acceptedPerSecond, 2)}** of (b)` : ''}` +
          `${b ? `; webhooks/s: ${n(c.webhooksPerSecond / b.webhooksPerSecond, 2)} of (b)` : ''}.`,
      );
    }
    const pgRows = results.throughput.filter((r) => r.target.startsWith('(d)') || r.target.startsWith('(e)'));
    if (c && pgRows.length > 0) {
      add(`Ratios to (c) on SQLite: ${pgRows.map((r) => `${r.target.slice(0, 3)} accepted/s **${n(r.acceptedPerSecond / c.acceptedPerSecond, 2)}**, webhooks/s ${n(r.webhooksPerSecond / c.webhooksPerSecond, 2)}`).join('; ')}.`);
    }
  }

  if (results.endToEnd.length > 0) {
    const rows = results.endToEnd;
    const col = (f: (r: EndToEndResult) => string | number) => rows.map(f);
    add(
      '## End to end, open loop',
      `"hi" at a fixed rate over ${s.endToEnd.conversations} conversations for ${formatNumber(s.endToEnd.durationMs / 1000)} s; latency from when each message was due to be sent to the first webhook answering it. Missing: bot messages not arrived ${formatNumber(rows[0]!.settings.settleMs / 1000)} s after the last 202.`,
      table(
        ['', ...col((r) => `${r.target}, ${formatNumber(r.settings.ratePerSecond)}/s`).map(String)],
        [
          ['sent / accepted', ...col((r) => `${r.load.sent} / ${r.load.accepted}`)],
          ['send → first webhook p50 ms', ...col((r) => n(r.latency.p50, 1))],
          ['p99 ms', ...col((r) => n(r.latency.p99, 1))],
          ['max ms', ...col((r) => n(r.latency.max, 1))],
          ['202 p50 / p99 ms', ...col((r) => `${n(r.load.latency.p50, 1)} / ${n(r.load.latency.p99, 1)}`)],
          [`missing after ${formatNumber(rows[0]!.settings.settleMs / 1000)} s (of 3 per accepted)`, ...col((r) => `${r.missing} of ${r.load.accepted * 3}`)],
          ['messages with no webhook', ...col((r) => r.unanswered)],
          ['out of order', ...col((r) => r.outOfOrder)],
          ['duplicates', ...col((r) => r.duplicates)],
          ['other answers', ...col((r) => Object.entries(r.load.statuses).filter(([st]) => st !== '202').map(([st, k]) => `${k}×${st}`).join(', ') || '0')],
        ],
      ),
    );
  }

  if (results.drain.length > 0) {
    const first = results.drain[0]!;
    const last = results.drain[results.drain.length - 1]!;
    add(
      '## Backlog drain',
      `Deliveries held while the channel is not configured, then released by configuring it; the bare loop posts the same bodies, signed, one at a time per conversation (${s.drain.conversations} conversations), through an undici Pool of ${s.drain.bareConnections} connections. Bounded at ${formatNumber(s.drain.drainMaxMs / 1000)} s.`,
      table(
        ['held deliveries', 'server drained', 'server /s', 'bare loop /s', 'server / bare'],
        results.drain.map((r) => [
          n(r.held),
          `${n(r.delivered)} in ${n(r.drainMs / 1000, 1)} s${r.complete ? '' : ' (not all)'}`,
          n(r.perSecond),
          n(r.bare.perSecond),
          n(r.perSecond / r.bare.perSecond, 2),
        ]),
      ),
      ...(results.drain.length > 1 ? [`Flatness: the server drains ${n(last.perSecond / first.perSecond, 2)}× as fast at ${n(last.held)} held as at ${n(first.held)}.`] : []),
    );
  }

  if (results.isolation) {
    const r = results.isolation;
    add(
      '## Isolation',
      `Bot A's receiver hangs (never answers) with ${r.settings.conversations} of A's conversations waiting (${r.hanging} requests hanging at the receiver); bot B gets one "hi": ` +
        `**${r.firstWebhookMs === undefined ? `no webhook within ${formatNumber(r.settings.maxWaitMs / 1000)} s` : `${formatNumber(r.firstWebhookMs)} ms`}** from sending it to B's first webhook.`,
    );
  }

  if (results.coldStart && results.coldStart.length > 0) {
    const { wallMs, cpuMs } = median(results.coldStart);
    add(
      '## Cold start',
      `Spawning \`node dist/server/main.js\` on a fresh database → first 200 on /healthz: **${n(wallMs)} ms** median of ${results.coldStart.length} ` +
        `(${results.coldStart.map((start) => n(start.wallMs)).join(', ')} ms); the server had used ${n(cpuMs)} ms of CPU by then.`,
    );
  }

  if (results.memory) {
    const m = results.memory;
    const perMinute = new Map<number, number>();
    // The last sample, taken as the load ends, belongs to the last minute of the run.
    const lastMinute = Math.max(0, Math.ceil(m.settings.durationMs / 60_000) - 1);
    for (const [at, mb] of m.samples) {
      const minute = Math.min(Math.floor(at / 60), lastMinute);
      perMinute.set(minute, Math.max(perMinute.get(minute) ?? 0, mb));
    }
    add(
      '## Memory over a long run',
      `The server with its channel active, ${m.settings.connections} connections closed loop for ${formatNumber(m.settings.durationMs / 1000)} s (\`BENCH_RSS_SECONDS\`): ${n(m.acceptedPerSecond)} accepted/s, ${n(m.webhooksPerSecond)} webhooks/s; other answers: ${Object.entries(m.statuses).filter(([st]) => st !== '202').map(([st, k]) => `${k}×${st}`).join(', ') || '0'}.`,
      table(
        ['', 'start', ...[...perMinute.keys()].map((minute) => `minute ${minute + 1} max`), 'end', 'peak (VmHWM)'],
        [['RSS MB', n(m.samples[0]?.[1]), ...[...perMinute.values()].map((mb) => n(mb)), n(m.samples[m.samples.length - 1]?.[1]), n(m.peakMb)]],
      ),
    );
  }

  const met = targets(results);
  if (met.length > 0) add('## Targets of issue 8', table(['target', 'measured', 'met'], met));
  if (results.failures.length > 0) add('## Parts that failed', ...results.failures.map((failure) => `- ${failure}`));
  return lines.join('\n');
}

function targets(results: BenchResults): Array<[string, string, string]> {
  const rows: Array<[string, string, string]> = [];
  const yes = (ok: boolean) => (ok ? 'yes' : '**no**');
  const b = results.throughput.find((r) => r.target.startsWith('(b)'));
  const c = results.throughput.find((r) => r.target.startsWith('(c)'));
  if (b && c) {
    const ratio = c.acceptedPerSecond / b.acceptedPerSecond;
    const per = c.webhooksPerSecond / c.acceptedPerSecond;
    rows.push(['accepted/s ≥ 0.5 of (b), ≥ 2.5 webhooks per accepted meanwhile', `${n(ratio, 2)} of (b), ${n(per, 2)} webhooks per accepted`, yes(ratio >= 0.5 && per >= 2.5)]);
  }
  const e = results.endToEnd.find((r) => r.target.startsWith('(c)') && r.settings.ratePerSecond === 1_000);
  if (e) {
    rows.push([
      'at 1,000/s: p50 < 5 ms, p99 < 20 ms, 0 missing, 0 out of order',
      `p50 ${n(e.latency.p50, 1)} ms, p99 ${n(e.latency.p99, 1)} ms, ${e.missing} missing, ${e.outOfOrder} out of order`,
      yes(e.latency.p50 < 5 && e.latency.p99 < 20 && e.missing === 0 && e.outOfOrder === 0),
    ]);
  }
  if (results.drain.length > 0) {
    const first = results.drain[0]!;
    const last = results.drain[results.drain.length - 1]!;
    const ratio = last.perSecond / last.bare.perSecond;
    const flat = last.perSecond / first.perSecond;
    rows.push(['drain ≥ 0.5 of the bare loop, flat from 3,000 to 30,000', `${n(ratio, 2)} of bare at ${n(last.held)}; ${n(flat, 2)}× the rate at ${n(first.held)}`, yes(ratio >= 0.5 && flat >= 0.8)]);
  }
  if (results.isolation) {
    const ms = results.isolation.firstWebhookMs;
    rows.push(["another bot's first webhook within 200 ms while one receiver hangs", ms === undefined ? 'none' : `${n(ms)} ms`, yes(ms !== undefined && ms < 200)]);
  }
  if (results.coldStart && results.coldStart.length > 0) {
    const { wallMs, cpuMs } = median(results.coldStart);
    rows.push(['cold start < 1 s', `${n(wallMs)} ms (${n(cpuMs)} ms CPU)`, yes(wallMs < 1_000)]);
  }
  const m = results.memory;
  if (m && m.samples.length > 2) {
    const peak = Math.max(...m.samples.map(([, mb]) => mb), m.peakMb ?? 0);
    // Flat: the last fifth of the run holds no more than 10 % above the second fifth (after warm-up).
    const span = m.samples[m.samples.length - 1]![0];
    const max = (from: number, to: number) => Math.max(0, ...m.samples.filter(([at]) => at >= from * span && at <= to * span).map(([, mb]) => mb));
    const growth = max(0.8, 1) / max(0.2, 0.4);
    rows.push(['RSS < 250 MB at saturation, flat over the run', `peak ${n(peak)} MB; last fifth ${n(growth, 2)}× the second`, yes(peak < 250 && growth <= 1.1)]);
  }
  return rows;
}

/** The start with the median wall time. */
function median(starts: ColdStart[]): ColdStart {
  return [...starts].sort((x, y) => x.wallMs - y.wallMs)[Math.floor(starts.length / 2)]!;
}

function readOs(): string {
  try {
    return readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {
    return '?';
  }
}
