/**
 * `npm run bench`: the server against its two baselines, each a process of its own on the same
 * core — (a) bare node:http, (b) the durable baseline (`processes/durable-baseline.ts`), (c) the
 * server with its delivery worker and a local receiver — then end-to-end latency at fixed
 * rates, isolation from a hanging receiver, backlog drain against a bare undici loop, cold
 * start and memory over a long run. Writes `bench/results/latest.md` (or BENCH_OUT) after each
 * part and prints it at the end.
 *
 * Every loop is bounded in count and time, a watchdog stops an overstaying run, and every child
 * process is killed at the end, also on error. Exits 1 when a part failed to run (a missed
 * target is a finding, reported in the table, not a failure).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BUNDLE_MARK, bundleServer } from '../server/bundle.js';
import { buildPrecompiledSpecSchemas } from '../server/bot/build-spec-schemas.js';
import { buildPrecompiledValidators } from '../server/http/build-validators.js';
import { buildSpecSnapshot } from '../spec/build-document.js';
import { killAll, ROOT, stopChildrenOnSignals } from './children.js';
import { loadAverageNow, renderReport, type BenchResults } from './report.js';
import { measureColdStart } from './scenarios/cold-start.js';
import { measureDrain } from './scenarios/drain.js';
import { measureEndToEnd } from './scenarios/end-to-end.js';
import { measureIsolation } from './scenarios/isolation.js';
import { measureMemory } from './scenarios/memory.js';
import { measureThroughput } from './scenarios/throughput.js';
import { benchSettings } from './settings.js';
import { startBenchPostgres, type BenchPostgres } from './postgres.js';
import { startBareHttp, startDurableBaseline, startLoadGenerator, startReceiver, startServer, startServerInstances, type LoadGenerator, type Receiver, type Target } from './targets.js';

const OUT = process.env.BENCH_OUT || 'bench/results/latest.md';
const settings = benchSettings();
const results: BenchResults = { startedAt: new Date(), loadAverage: { start: loadAverageNow() }, settings, throughput: [], endToEnd: [], drain: [], failures: [] };
/** The throw-away PostgreSQL server of the (d) and (e) rows while it runs: stopped at the end, however the run ends. */
let postgres: BenchPostgres | undefined;

function write(): void {
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, renderReport(results));
}

function log(text: string): void {
  console.log(`[${((Date.now() - results.startedAt.getTime()) / 1000).toFixed(0).padStart(4)} s] ${text}`);
}

/** `BENCH_ONLY=text`: run only the parts whose name holds it (e.g. `PostgreSQL`, `drain`), while working on one. */
const ONLY = process.env.BENCH_ONLY;

/** Runs one part; a failure is recorded and the run goes on with the next part. */
async function part(name: string, run: () => Promise<void>): Promise<void> {
  if (ONLY && !name.includes(ONLY)) return;
  log(name);
  try {
    await run();
  } catch (error) {
    results.failures.push(`${name}: ${(error as Error).message.split('\n')[0]}`);
    log(`  failed: ${(error as Error).stack}`);
  }
  write();
}

async function withTarget<T>(start: () => Promise<Target>, use: (target: Target) => Promise<T>): Promise<T> {
  const target = await start();
  try {
    return await use(target);
  } finally {
    await target.close();
  }
}

/**
 * Whether dist/ misses a change to the sources it is compiled from (`npm ci` builds it; editing
 * does not), or holds tsc's unbundled main.js (a bare `tsc -p tsconfig.build.json` writes it
 * over the bundle: it runs the same, but starts slower than what `npm start` runs after a build).
 */
function distIsStale(): boolean {
  const main = join(ROOT, 'dist/server/main.js');
  const built = statSync(main, { throwIfNoEntry: false })?.mtimeMs;
  if (built === undefined || !readFileSync(main, 'utf8').startsWith(BUNDLE_MARK)) return true;
  const newer = (dir: string): boolean =>
    readdirSync(join(ROOT, dir), { withFileTypes: true }).some((entry) =>
      entry.isDirectory() ? newer(join(dir, entry.name)) : entry.name.endsWith('.ts') && statSync(join(ROOT, dir, entry.name)).mtimeMs > built,
    );
  return ['server', 'spec/generated', 'client', 'mock'].some(newer);
}

/**
 * The (d) and (e) rows: the server on a throw-away PostgreSQL (durable, started like the tests
 * start theirs), one instance, then two on one database; a fresh database for each run.
 */
async function measurePostgres(receiver: Receiver, load: LoadGenerator): Promise<void> {
  await part('PostgreSQL server', async () => {
    const started = await startBenchPostgres();
    if ('skipped' in started) results.postgresSkipped = started.skipped;
    else postgres = started;
  });
  if (!postgres) return;
  const pg = postgres;
  const one = async (name: string) => (await startServer({ databaseUrl: await pg.newDatabaseUrl(), name })) as Target;
  const targets: Array<[string, () => Promise<Target>]> = [
    ['(d) the server on PostgreSQL', () => one('(d) the server on PostgreSQL')],
    ['(e) two instances on PostgreSQL', async () => startServerInstances(await pg.newDatabaseUrl(), 2, '(e) two instances on PostgreSQL')],
  ];
  const configured = (start: () => Promise<Target>) => async () => {
    const target = await start();
    try {
      await target.configure!(receiver.url);
    } catch (error) {
      await target.close();
      throw error;
    }
    return target;
  };
  for (const [name, start] of targets) {
    await part(`throughput ${name}`, async () => {
      results.throughput.push(await withTarget(configured(start), (t) => measureThroughput(t, receiver, load, settings.postgres.throughput)));
    });
  }
  for (const [name, start] of targets) {
    await part(`end to end ${name} at ${settings.postgres.endToEnd.ratePerSecond}/s`, async () => {
      results.endToEnd.push(await withTarget(configured(start), (t) => measureEndToEnd(t, receiver, load, settings.postgres.endToEnd)));
    });
  }
  await part('PostgreSQL server stopped', async () => {
    postgres = undefined;
    await pg.stop();
  });
}

async function main(): Promise<void> {
  stopChildrenOnSignals();
  const watchdog = setTimeout(() => {
    results.failures.push(`stopped by the watchdog after ${settings.watchdogMs / 1000} s`);
    write();
    console.error(`bench: still running after ${settings.watchdogMs / 1000} s; stopped (partial results in ${OUT})`);
    void Promise.all([killAll(0), postgres?.stop()]).finally(() => process.exit(1));
  }, settings.watchdogMs);
  watchdog.unref();

  if (distIsStale()) {
    log('building dist/ (tsc -p tsconfig.build.json, the spec snapshot, the precompiled validators, the server bundle): a source is newer than dist/server/main.js');
    execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
    await buildSpecSnapshot();
    await buildPrecompiledValidators();
    await buildPrecompiledSpecSchemas();
    await bundleServer();
  }
  const receiver = await startReceiver();
  const load = await startLoadGenerator();
  try {
    await part('cold start', async () => {
      results.coldStart = await measureColdStart(settings.coldStartRuns);
    });
    await part('throughput (a) bare node:http', async () => {
      results.throughput.push(await withTarget(startBareHttp, (t) => measureThroughput(t, receiver, load, settings.throughput)));
    });
    await part('throughput (b) durable baseline', async () => {
      results.throughput.push(await withTarget(() => startDurableBaseline(receiver.url), (t) => measureThroughput(t, receiver, load, settings.throughput)));
    });
    await part('throughput (c) the server', async () => {
      const server = () => startServer().then(async (s) => (await s.configure!(receiver.url), s));
      results.throughput.push(await withTarget(server, (t) => measureThroughput(t, receiver, load, settings.throughput)));
    });
    for (const rate of settings.endToEnd.rates) {
      await part(`end to end (c) at ${rate}/s`, async () => {
        const server = () => startServer().then(async (s) => (await s.configure!(receiver.url), s));
        results.endToEnd.push(await withTarget(server, (t) => measureEndToEnd(t, receiver, load, { ...settings.endToEnd, ratePerSecond: rate })));
      });
    }
    await part(`end to end (b) at ${settings.endToEnd.baselineRate}/s`, async () => {
      results.endToEnd.push(
        await withTarget(
          () => startDurableBaseline(receiver.url),
          (t) => measureEndToEnd(t, receiver, load, { ...settings.endToEnd, ratePerSecond: settings.endToEnd.baselineRate }),
        ),
      );
    });
    await measurePostgres(receiver, load);
    await part('isolation', async () => {
      results.isolation = await measureIsolation(receiver, load, settings.isolation);
    });
    for (const backlog of settings.drain.backlogs) {
      await part(`drain of ${backlog}`, async () => {
        results.drain.push(await measureDrain(receiver, load, { ...settings.drain, backlog }));
      });
    }
    await part(`memory over ${settings.memory.durationMs / 1000} s`, async () => {
      results.memory = await measureMemory(receiver, load, settings.memory);
    });
  } finally {
    await killAll();
    await postgres?.stop();
    clearTimeout(watchdog);
  }
  results.finishedAt = new Date();
  results.loadAverage.end = loadAverageNow();
  write();
  console.log(`\n${renderReport(results)}\nWritten to ${OUT}.`);
  if (results.failures.length > 0) process.exitCode = 1;
}

await main();
