/**
 * Loaded into a server process that test/support/server-process.ts starts with `heapProbe: true`
 * (under --expose-gc, with an IPC channel): answers each `{ type: 'heap' }` message with the heap
 * in use after a full garbage collection, so that a test compares what stays, not what is garbage.
 */
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc || !process.send) throw new Error('heap-probe.ts needs --expose-gc and an IPC channel');

process.on('message', (message: { type?: string }) => {
  if (message?.type !== 'heap') return;
  // The second pass frees what the first one's finalizers released.
  gc();
  gc();
  const { heapUsed, external } = process.memoryUsage();
  process.send!({ type: 'heap', heapUsedBytes: heapUsed, externalBytes: external });
});
// The channel must not keep the server alive once it stops by itself.
process.channel?.unref();
