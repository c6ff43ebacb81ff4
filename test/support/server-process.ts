/**
 * A server in a process of its own (`server/main.ts` under tsx), for tests that kill one with
 * SIGKILL or run several instances on one database. Resolves once it listens.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { waitForLine } from './child-output.js';
import { TEST_TOKEN } from './server.js';

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** SIGKILL, and resolves once the process is gone. */
  kill(): Promise<void>;
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
        if (child.exitCode !== null || child.signalCode !== null) return;
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await gone;
      },
    };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}
