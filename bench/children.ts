/**
 * The bench's child processes: each baseline, the server, the receiver and the load generator run
 * in a process of their own, optionally pinned to CPUs with `taskset` (where it exists). Every
 * child started here is remembered and killed when the bench ends, however it ends (`killAll`,
 * and a synchronous SIGKILL on exit as the last resort).
 *
 * Children written for the bench (`bench/processes/*.ts`) talk over the IPC channel: the parent
 * sends `{ id, cmd, ... }`, the child answers `{ id, ok, value | error }` (see `ipc.ts`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const children = new Set<ChildProcess>();
const TASKSET = spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0 ? 'taskset' : undefined;

/** Whether children are pinned (`taskset` exists on this machine). */
export const canPin = TASKSET !== undefined;

/** The repository root: children run from it, as `npm start` does. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface StartOptions {
  /** CPU list for `taskset -c` (e.g. "1" or "0"); ignored where taskset is missing. */
  cpus?: string;
  env?: Record<string, string | undefined>;
  /** Keep the standard output (to read a banner); otherwise ignored. */
  captureStdout?: boolean;
}

export interface Child {
  process: ChildProcess;
  pid: number;
  /** Standard output read so far (with `captureStdout`). */
  stdout(): string;
  /** Sends a command over IPC and resolves with the child's answer (bench children only). */
  request<T = unknown>(cmd: string, args?: Record<string, unknown>, timeoutMs?: number): Promise<T>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts `node <args>` (e.g. a bench child through tsx, or `dist/server/main.js`). */
export function startNode(args: string[], options: StartOptions = {}): Child {
  const command = [process.execPath, ...args];
  const argv = TASKSET && options.cpus !== undefined ? [TASKSET, '-c', options.cpus, ...command] : command;
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', options.captureStdout ? 'pipe' : 'ignore', 'pipe', 'ipc'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out = (out + chunk).slice(-64 * 1024);
  });
  let err = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err = (err + chunk).slice(-8 * 1024);
    if (process.env.BENCH_VERBOSE) process.stderr.write(chunk);
  });

  let nextId = 0;
  const waiting = new Map<number, { resolve: (value: any) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  child.on('message', (message: { id: number; ok: boolean; value?: unknown; error?: string }) => {
    const pending = waiting.get(message.id);
    if (!pending) return;
    waiting.delete(message.id);
    clearTimeout(pending.timer);
    if (message.ok) pending.resolve(message.value);
    else pending.reject(new Error(message.error));
  });
  child.once('exit', (code, signal) => {
    for (const pending of waiting.values()) {
      clearTimeout(pending.timer);
      pending.reject(new Error(`${args.join(' ')} exited (${code ?? signal}) before answering${err ? `: ${err.trim().slice(-500)}` : ''}`));
    }
    waiting.clear();
  });

  return {
    process: child,
    pid: child.pid!,
    stdout: () => out,
    request(cmd, rest = {}, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        if (child.exitCode !== null || child.signalCode !== null) return reject(new Error(`${args.join(' ')} is not running: ${err.trim().slice(-500)}`));
        const id = nextId++;
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`${args.join(' ')}: no answer to ${cmd} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.set(id, { resolve, reject, timer });
        child.send({ id, cmd, ...rest });
      });
    },
    stop: (graceMs = 3_000) => stopChild(child, graceMs),
  };
}

/** Starts a bench child (`bench/processes/<name>.ts`) through tsx and waits for its `ready` answer. */
export async function startBenchChild<T>(name: string, options: StartOptions = {}, args: string[] = []): Promise<{ child: Child; ready: T }> {
  const child = startNode(['--import', 'tsx', `bench/processes/${name}.ts`, ...args], options);
  try {
    const ready = await child.request<T>('ready', {}, 30_000);
    return { child, ready };
  } catch (error) {
    await child.stop(0);
    throw error;
  }
}

function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(graceMs > 0 ? 'SIGTERM' : 'SIGKILL');
  });
}

/** Stops every child still running. */
export async function killAll(graceMs = 2_000): Promise<void> {
  await Promise.all([...children].map((child) => stopChild(child, graceMs)));
}

// The last resort: whatever ends this process (an error, a watchdog, Ctrl-C) takes the children along.
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** For the bench's main process: Ctrl-C or a SIGTERM ends the run, and with it every child. */
export function stopChildrenOnSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\nbench: ${signal}, stopping the children`);
      process.exit(130);
    });
  }
}
