/**
 * SQLite serves one server process: a second process on the same file is refused at start with
 * a message that says why and what to use instead, and the first keeps serving (never a 500).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { callOperation, SENDER } from '../support/server.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

let dir: string | undefined;
let first: ServerProcess | undefined;
afterAll(async () => {
  await first?.kill();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('refuses a second server process on the same SQLite file, clearly, while the first serves on', async () => {
  dir = await mkdtemp(join(tmpdir(), 'wc-one-process-'));
  const url = `sqlite:${join(dir, 'one.db')}`;
  first = await startServerProcess(url);

  const second = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATABASE_URL: url, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  second.stderr.on('data', (chunk) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => second.once('exit', resolve));
  expect(code).toBe(1);
  expect(stderr).toMatch(/cannot start: the SQLite file .*one\.db is in use by another webhook-channel process \(pid \d+\)\. SQLite serves one process; to run several instances, use PostgreSQL/);

  const res = await callOperation(first.url, 'sendMessage', { body: { sender: { id: SENDER }, message: { type: 'text', text: 'hi' } } });
  expect(res.status).toBe(202);
});
