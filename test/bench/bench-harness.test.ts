/**
 * The bench harness works (functional only: no figure is asserted): its child processes start
 * and answer over IPC, the durable baseline delivers every bot message once and in order to the
 * receiver, the end-to-end measurement sees exactly that, and the report renders it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { killAll } from '../../bench/children.js';
import { renderReport } from '../../bench/report.js';
import { measureEndToEnd } from '../../bench/scenarios/end-to-end.js';
import { benchSettings } from '../../bench/settings.js';
import { startDurableBaseline, startLoadGenerator, startReceiver } from '../../bench/targets.js';

afterAll(() => killAll(0));

describe('bench harness', () => {
  it('measures the durable baseline end to end: every bot message once, in order, and the report shows the run', async () => {
    const receiver = await startReceiver();
    const load = await startLoadGenerator();
    const baseline = await startDurableBaseline(receiver.url);
    try {
      const result = await measureEndToEnd(baseline, receiver, load, { ratePerSecond: 50, conversations: 5, durationMs: 400, settleMs: 20_000 });
      expect(result.load.statuses).toEqual({ '202': 20 });
      expect(result).toMatchObject({ missing: 0, unanswered: 0, outOfOrder: 0, duplicates: 0 });
      expect(result.latency.count).toBe(20);
      expect(await baseline.child.request('undelivered')).toBe(0);

      const report = renderReport({ startedAt: new Date(), loadAverage: { start: 0 }, settings: benchSettings(), throughput: [], endToEnd: [result], drain: [], failures: [] });
      expect(report).toContain('## End to end, open loop');
      expect(report).toMatch(/\| sent \/ accepted \| 20 \/ 20 \|/);
      expect(report).toMatch(/\| missing after 20 s \(of 3 per accepted\) \| 0 of 60 \|/);
    } finally {
      await baseline.close();
      await load.close();
      await receiver.close();
    }
  });
});
