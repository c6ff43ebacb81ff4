/**
 * The heartbeat watches the other instances' heartbeats for change, counted on its own clock:
 * an instance whose clock runs behind is alive as long as its heartbeat moves, and one whose
 * heartbeat stands still is taken for stopped after `timeoutMs`, whatever the clocks say. A fake
 * store and a fake clock that each beat moves on by one second.
 */
import pino from 'pino';
import { afterEach, expect, it } from 'vitest';
import { startHeartbeat, type Heartbeat } from '../../server/delivery/heartbeat.js';
import type { InstanceHeartbeat } from '../../server/store/index.js';
import { waitFor } from '../support/wait-for.js';

const T0 = Date.parse('2026-11-29T10:00:00Z');
let heartbeat: Heartbeat | undefined;
afterEach(async () => heartbeat?.stop());

/** A store whose other instances are scripted: each beat of ours, `others` says what they wrote. */
function watch(others: (now: number) => InstanceHeartbeat[], timeoutMs = 10_000) {
  let now = T0;
  let beats = 0;
  const released: string[] = [];
  /** Our beats when each release happened. */
  const releasedAt: number[] = [];
  heartbeat = startHeartbeat({
    store: {
      beat: async () => {
        now += 1_000;
        beats++;
        return 'alive';
      },
      // A released instance is forgotten, as the store deletes its row.
      others: async () => others(now).filter((o) => !released.includes(o.id)),
      releaseStopped: async (stopped) => {
        released.push(...stopped.map((s) => s.id));
        releasedAt.push(beats);
        return stopped.length;
      },
      remove: async () => 0,
    },
    clock: { now: () => now },
    logger: pino({ level: 'silent' }),
    intervalMs: 1,
    timeoutMs,
    onFreed: () => undefined,
  });
  return { released, releasedAt, beats: () => beats };
}

// Found by the attacker: with one instance's clock 15 s ahead of another's, it took the other for
// stopped at every beat (its heartbeat looked 15 s old) and sent its conversations a second time, at once.
it('never takes for stopped an instance whose clock runs behind, while its heartbeat moves', async () => {
  const watcher = watch((now) => [{ id: 'ins_behind', heartbeatAt: now - 15_000 }]);
  await waitFor(() => watcher.beats() >= 30, { what: '30 beats' });
  expect(watcher.released).toEqual([]);
});

it('takes for stopped an instance whose heartbeat stood still for the timeout, once, even if its clock ran ahead', async () => {
  let frozen: number | undefined;
  const watcher = watch((now) => {
    // Its clock runs an hour ahead; it stops beating at our 5th second.
    if (now - T0 <= 5_000) return [{ id: 'ins_ahead', heartbeatAt: now + 3_600_000 }];
    frozen ??= now - 1_000 + 3_600_000;
    return [{ id: 'ins_ahead', heartbeatAt: frozen }];
  });
  await waitFor(() => watcher.released.length > 0, { what: 'the stopped instance to be released' });
  // Its last beat was seen at our 5th second; released 10 s later.
  expect(watcher.released).toEqual(['ins_ahead']);
  expect(watcher.releasedAt).toEqual([5 + 10]);
});

it('waits the whole timeout for an instance already silent when this one starts', async () => {
  const watcher = watch(() => [{ id: 'ins_dead', heartbeatAt: T0 - 3_600_000 }]);
  await waitFor(() => watcher.released.length > 0, { what: 'the silent instance to be released' });
  // First seen at our first beat; released 10 s later.
  expect(watcher.releasedAt).toEqual([1 + 10]);
});
