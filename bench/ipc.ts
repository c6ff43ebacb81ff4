/** What the bench's own child processes (`bench/processes/*.ts`) share: their side of the IPC protocol of `children.ts`, and the clock. */

/**
 * The child side of `Child.request`: answers each command with the handler's result. The parent
 * going away ends the child (so no orphan outlives the bench).
 */
export function serveRequests(handlers: Record<string, (args: any) => unknown>): void {
  process.on('message', async (message: { id: number; cmd: string }) => {
    const handler = handlers[message.cmd];
    try {
      if (!handler) throw new Error(`unknown command ${message.cmd}`);
      const value = await handler(message);
      process.send!({ id: message.id, ok: true, value });
    } catch (error) {
      process.send!({ id: message.id, ok: false, error: (error as Error).stack ?? String(error) });
    }
  });
  process.on('disconnect', () => process.exit(0));
}

/** Milliseconds since the epoch with sub-millisecond precision, comparable across processes. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}
