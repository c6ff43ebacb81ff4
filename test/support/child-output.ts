/** Waiting on what a child process prints: tests that start servers or CLIs learn their URL from it. */
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/**
 * Resolves with the first match of `pattern` in the child's standard output; rejects at the
 * deadline or when the child exits first, with everything it printed (both streams).
 */
export function waitForLine(child: ChildProcess, pattern: RegExp, deadlineMs: number): Promise<RegExpMatchArray> {
  return new Promise((found, fail) => {
    let stdout = '';
    let printed = '';
    const timer = setTimeout(() => fail(new Error(`no line matching ${pattern} within ${deadlineMs} ms:\n${printed}`)), deadlineMs);
    child.stderr?.on('data', (chunk) => (printed += chunk));
    child.stdout!.on('data', (chunk) => {
      stdout += chunk;
      printed += chunk;
      const match = stdout.match(pattern);
      if (match) {
        clearTimeout(timer);
        found(match);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`exited with ${code}:\n${printed}`));
    });
  });
}

/**
 * Resolves once the child has exited, with its exit code (null when a signal ended it), at once if
 * it already has. A child killed by a signal keeps `exitCode` null and sets `signalCode`: waiting for
 * `'exit'` after it fired, or checking `exitCode` alone, waits forever.
 */
export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((done) => child.once('exit', (code) => done(code)));
}

/** A port on 127.0.0.1 that was free a moment ago, for tools that cannot listen on port 0 themselves. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as { port: number };
  await new Promise((closed) => server.close(closed));
  return port;
}
