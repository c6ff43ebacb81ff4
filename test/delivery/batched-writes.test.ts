import { describe, expect, it } from 'vitest';
import { batchedWrites } from '../../server/delivery/batched-writes.js';

/** A write that finishes only when the test says so, recording the batches it was given. */
function controlledWrite() {
  const batches: number[][] = [];
  const finish: Array<(error?: Error) => void> = [];
  const write = (items: number[]) =>
    new Promise<void>((resolve, reject) => {
      batches.push(items);
      finish.push((error) => (error ? reject(error) : resolve()));
    });
  return { batches, finish, write };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('batchedWrites', () => {
  it('writes a call at once when idle, and groups the calls that come while a write is under way', async () => {
    const { batches, finish, write } = controlledWrite();
    const record = batchedWrites(write);
    const first = record(1);
    await tick();
    expect(batches).toEqual([[1]]);
    const waiting = [record(2), record(3), record(4)];
    await tick();
    expect(batches).toEqual([[1]]); // still one write under way
    finish[0]!();
    await first;
    await tick();
    expect(batches).toEqual([[1], [2, 3, 4]]);
    finish[1]!();
    await Promise.all(waiting);
  });

  it('rejects the calls of a failed write only, and goes on with the next ones', async () => {
    const { batches, finish, write } = controlledWrite();
    const record = batchedWrites(write);
    const failing = record(1);
    const next = (await tick(), record(2));
    finish[0]!(new Error('disk full'));
    await expect(failing).rejects.toThrow('disk full');
    await tick();
    expect(batches).toEqual([[1], [2]]);
    finish[1]!();
    await expect(next).resolves.toBeUndefined();
  });
});
