/**
 * Stopping the server the way a user does (issue 12, fault 5): `npm start`, then SIGTERM to the
 * npm process (a service manager) or Ctrl-C to the whole process group (a terminal). npm used to
 * forward the signal to `sh -c node …`, which died and left the server on its port.
 *
 * The package's real `start` script runs in a scratch package whose dist/server/main.js loads
 * server/main.ts through tsx, so no build is needed and the source under test is the one run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { exited, freePort, waitForLine } from '../support/child-output.js';
import { waitFor } from '../support/wait-for.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CONFIGURED_TOKEN = 'configured-token-never-printed-0123';
let dir: string;
const children: ChildProcess[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wc-npm-start-'));
  const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'npm-start-check', private: true, type: 'module', scripts: { start: scripts.start } }));
  mkdirSync(join(dir, 'dist/server'), { recursive: true });
  const tsx = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/esm/api/index.mjs')).href;
  writeFileSync(
    join(dir, 'dist/server/main.js'),
    `import { register } from ${JSON.stringify(tsx)};\nregister();\nawait import(${JSON.stringify(pathToFileURL(join(ROOT, 'server/main.ts')).href)});\n`,
  );
});
afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function npmStart(name: string, env: Record<string, string> = {}): ChildProcess {
  const child = spawn('npm', ['start'], {
    cwd: dir,
    // Its own process group, as a terminal gives a foreground job.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: `sqlite:${join(dir, `${name}.db`)}`,
      BOTS_DIR: join(ROOT, 'bots'),
      LOG_LEVEL: 'info',
      SHUTDOWN_GRACE: '2s',
      ...env,
    },
  });
  children.push(child);
  return child;
}

/** Whether something still listens on the port: binding it fails while it does. */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const probe = createServer();
    probe.once('error', () => done(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => done(true)));
  });
}

async function startAndStop(name: string, stop: (npm: ChildProcess) => void, env?: Record<string, string>) {
  const npm = npmStart(name, env);
  let output = '';
  npm.stdout!.on('data', (chunk) => (output += chunk));
  npm.stderr!.on('data', (chunk) => (output += chunk));
  const [, port] = await waitForLine(npm, /listening on http:\/\/127\.0\.0\.1:(\d+)/, 60_000);
  expect(await portIsFree(Number(port))).toBe(false);
  const stoppedLog = waitForLine(npm, /"msg":"webhook-channel stopped"/, 30_000);
  stop(npm);
  await stoppedLog;
  const code = await exited(npm);
  return { code, port: Number(port), output };
}

it('stops the server gracefully and frees the port when the npm process gets SIGTERM', async () => {
  const { code, port } = await startAndStop('sigterm', (npm) => npm.kill('SIGTERM'));
  expect(code).toBe(0);
  expect(await portIsFree(port)).toBe(true);
});

it('stops it gracefully on Ctrl-C to the process group (the signal npm forwards again is not a second one)', async () => {
  const { code, port, output } = await startAndStop('sigint', (npm) => process.kill(-npm.pid!, 'SIGINT'));
  expect(code).toBe(0);
  expect(output).toContain('"signal":"SIGINT"');
  expect(await portIsFree(port)).toBe(true);
});

it('never prints a token the operator configured, and prints the one it made once (fault 6)', async () => {
  const configured = await startAndStop('banner-configured', (npm) => npm.kill('SIGTERM'), { DEMO_BOT_TOKEN: CONFIGURED_TOKEN });
  expect(configured.output).not.toContain(CONFIGURED_TOKEN);
  expect(configured.output).toContain('Authorization: Bearer $DEMO_BOT_TOKEN');
  const made = await startAndStop('banner-made', (npm) => npm.kill('SIGTERM'));
  const [, token] = made.output.match(/API token of bot 'demo' \(shown once, only its hash is stored\): (wct_\S+)/)!;
  expect(made.output).toContain(`Authorization: Bearer ${token}`);
  const again = await startAndStop('banner-made', (npm) => npm.kill('SIGTERM'));
  expect(again.output).not.toContain(token);
});

/**
 * The same kind for the other long-running scripts: SIGTERM to `npm run …` stops what it started
 * and frees its port. `tsx script.ts` under `sh -c` left the script running when npm's SIGTERM killed
 * the shell (found by a newcomer with `npm run receiver`): they exec node directly.
 */
it.each([
  { script: 'receiver', args: (port: number) => ['--port', String(port)], ready: /Receiving at http:\/\/127\.0\.0\.1:\d+/ },
  { script: 'mock', args: (port: number) => ['--port', String(port), '--host', '127.0.0.1'], ready: /listening on http:\/\/127\.0\.0\.1:\d+/i },
])('stops `npm run $script` and frees its port when the npm process gets SIGTERM', async ({ script, args, ready }) => {
  const port = await freePort();
  const npm = spawn('npm', ['run', '-s', script, '--', ...args(port)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } });
  children.push(npm);
  await waitForLine(npm, ready, 60_000);
  expect(await portIsFree(port)).toBe(false);
  npm.kill('SIGTERM');
  await exited(npm);
  await waitFor(() => portIsFree(port), { timeoutMs: 15_000, what: `npm run ${script} to free port ${port}` });
});
