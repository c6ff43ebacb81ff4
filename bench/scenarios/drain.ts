/**
 * Backlog drain: "hi" is sent while the server's channel is not configured, so every bot
 * message is held; then the channel is configured and the time until the receiver has them
 * all gives the drain rate. The receiver keeps the bodies, and the bare sender (an undici
 * Pool loop, one at a time per conversation) posts the same bodies again: the reference rate.
 */
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { rmSync } from 'node:fs';
import { startBenchChild } from '../children.js';
import { epochMs } from '../ipc.js';
import { BOT_MESSAGES_PER_HELLO, HELPER_CPUS, helloBodies, startServer, waitUntil, type LoadGenerator, type Receiver } from '../targets.js';

export interface DrainSettings {
  /** Deliveries to hold before the channel is configured. */
  backlog: number;
  conversations: number;
  /** Bounds filling the backlog (the backlog is what was accepted by then). */
  fillMaxMs: number;
  /** Bounds the drain: the rate is then what arrived by then. */
  drainMaxMs: number;
  /** Connections of the bare sender's Pool. */
  bareConnections: number;
}

export interface DrainResult {
  settings: DrainSettings;
  /** Deliveries actually held (3 per accepted "hi"). */
  held: number;
  delivered: number;
  drainMs: number;
  perSecond: number;
  /** Whether everything arrived within `drainMaxMs`. */
  complete: boolean;
  bare: { sent: number; ms: number; perSecond: number };
}

export async function measureDrain(receiver: Receiver, load: LoadGenerator, settings: DrainSettings): Promise<DrainResult> {
  const server = await startServer();
  const file = join(tmpdir(), `wc-bench-bodies-${process.pid}-${settings.backlog}.jsonl`);
  try {
    const fill = await load.run({
      origin: server.origin,
      bodies: helloBodies(settings.conversations, 'drain'),
      mode: 'closed',
      connections: 32,
      count: Math.ceil(settings.backlog / BOT_MESSAGES_PER_HELLO),
      durationMs: settings.fillMaxMs,
      graceMs: 15_000,
    });
    const held = fill.accepted * BOT_MESSAGES_PER_HELLO;
    await receiver.reset({ record: false, keepBodies: true });
    const startedAt = epochMs();
    await server.configure!(receiver.url);
    let last = await receiver.count();
    await waitUntil(
      async () => (last = await receiver.count()).total >= held || epochMs() - startedAt > settings.drainMaxMs,
      settings.drainMaxMs + 5_000,
      'draining',
    ).catch(() => undefined);
    const complete = last.total >= held;
    const drainMs = (complete ? last.lastAt : last.at) - startedAt;
    await server.close();

    const kept = await receiver.dumpBodies(file);
    await receiver.reset({ record: false });
    const { child } = await startBenchChild('bare-sender', { cpus: HELPER_CPUS });
    try {
      const bare = await child.request<{ sent: number; failed: number; ms: number }>(
        'send',
        { plan: { file, url: receiver.url, connections: settings.bareConnections, maxMs: settings.drainMaxMs } },
        settings.drainMaxMs + 30_000,
      );
      if (bare.sent !== kept) throw new Error(`bare sender: ${bare.sent} of ${kept} bodies accepted (${bare.failed} failed)`);
      return {
        settings,
        held,
        delivered: last.total,
        drainMs,
        perSecond: (last.total / drainMs) * 1000,
        complete,
        bare: { sent: bare.sent, ms: bare.ms, perSecond: (bare.sent / bare.ms) * 1000 },
      };
    } finally {
      await child.stop();
    }
  } finally {
    await server.close();
    rmSync(file, { force: true });
  }
}
