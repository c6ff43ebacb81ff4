/**
 * A server in a process of its own (`server/main.ts` under tsx), for tests that kill one with
 * SIGKILL or run several instances on one database. Resolves once it listens.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { exited, waitForLine } from './child-output.js';
import { TEST_TOKEN } from './server.js';

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** SIGKILL, and resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM (a graceful stop), and resolves with the exit code once the process is gone. */
  stop(): Promise<number | null>;
}

export async function startServerProcess(databaseUrl: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
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
    stdio: ['ignore', 'pipe', 'pipe'],
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
    };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}
