/**
 * A server in a process of its own (`server/main.ts` under tsx), for tests that kill one with
 * SIGKILL, run several instances on one database, or sample its heap. Resolves once it listens.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { exited, waitForLine } from './child-output.js';
import { TEST_TOKEN } from './server.js';

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** SIGKILL, and resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM (a graceful stop), and resolves with the exit code once the process is gone. */
  stop(): Promise<number | null>;
  /** The server's heap after a full garbage collection; needs `heapProbe: true`. */
  heapAfterGc(): Promise<HeapSample>;
}

/** Bytes in use after a full garbage collection (`process.memoryUsage()` in the server process). */
export interface HeapSample {
  heapUsedBytes: number;
  /** Memory of C++ objects bound to JavaScript ones (buffers among them). */
  externalBytes: number;
}

export interface ServerProcessOptions {
  /** Starts the server with --expose-gc and test/support/heap-probe.ts, for `heapAfterGc()` (in V8's interpreter alone: see below). */
  heapProbe?: boolean;
}

const HEAP_PROBE = fileURLToPath(new URL('./heap-probe.ts', import.meta.url));

/** `env` is added to (and overrides) the test settings below. */
export async function startServerProcess(databaseUrl: string, env: Record<string, string> = {}, options: ServerProcessOptions = {}): Promise<ServerProcess> {
  // The heap then shows the data the server keeps, not V8's own settling in: without its compiling
  // tiers, whose code and metadata grow over many thousand requests (~100 B a request for the first
  // 10,000 here), with feedback allocated at once, and bytecode never flushed (and compiled again).
  const flags = options.heapProbe ? ['--expose-gc', '--no-opt', '--no-maglev', '--no-sparkplug', '--no-flush-bytecode', '--no-lazy-feedback-allocation', '--import', 'tsx', '--import', HEAP_PROBE] : ['--import', 'tsx'];
  const child = spawn(process.execPath, [...flags, 'server/main.ts'], {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      DEMO_BOT_TOKEN: TEST_TOKEN,
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      WEBHOOK_RETRY_SCHEDULE: '0,50ms,100ms,200ms,400ms,800ms,1s,1s,1s,1s',
      WEBHOOK_TIMEOUT: '2s',
      RATE_LIMIT_PER_SECOND: '100000',
      RATE_LIMIT_BURST: '100000',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: options.heapProbe ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  try {
    const [, url] = await waitForLine(child, /listening on (http:\/\/127\.0\.0\.1:\d+)/, 90_000);
    return {
      child,
      url: url!,
      async kill() {
        child.kill('SIGKILL');
        await exited(child);
      },
      async stop() {
        child.kill('SIGTERM');
        return exited(child);
      },
      heapAfterGc() {
        if (!options.heapProbe) return Promise.reject(new Error('heapAfterGc() needs startServerProcess(…, { heapProbe: true })'));
        if (child.exitCode !== null || child.signalCode !== null) return Promise.reject(new Error('the server process has exited'));
        return new Promise((answered, failed) => {
          const onMessage = (message: { type?: string } & HeapSample) => {
            if (message?.type !== 'heap') return;
            child.off('exit', onExit);
            child.off('message', onMessage);
            answered({ heapUsedBytes: message.heapUsedBytes, externalBytes: message.externalBytes });
          };
          const onExit = (code: number | null) => {
            child.off('message', onMessage);
            failed(new Error(`the server exited (${code}) before it reported its heap`));
          };
          child.on('message', onMessage);
          child.once('exit', onExit);
          child.send({ type: 'heap' });
        });
      },
    };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}
