/** Polls a condition until it holds or the deadline passes: tests wait for facts, never for a fixed time. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  { timeoutMs = 20_000, intervalMs = 10, what = 'condition' }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
