/**
 * Isolation: bot A's receiver hangs (never answers) while `conversations` of A's conversations
 * wait on it; then bot B (a copy of the demo bot, its own receiver URL) gets one "hi", and the
 * figure is the time from sending it to B's first webhook.
 */
import { epochMs } from '../ipc.js';
import { hangingUrl, helloBodies, OTHER_BOT, startServer, waitUntil, type LoadGenerator, type Receiver } from '../targets.js';

export interface IsolationSettings {
  conversations: number;
  /** Bounds the wait for B's webhook. */
  maxWaitMs: number;
}

export interface IsolationResult {
  settings: IsolationSettings;
  /** A's webhooks hanging at the receiver when B's message was sent. */
  hanging: number;
  /** Send → B's first webhook, ms; undefined when it did not come within `maxWaitMs`. */
  firstWebhookMs: number | undefined;
}

export async function measureIsolation(receiver: Receiver, load: LoadGenerator, settings: IsolationSettings): Promise<IsolationResult> {
  const server = await startServer();
  try {
    await server.configure!(hangingUrl(receiver), 'demo');
    await server.configure!(receiver.url, OTHER_BOT);
    await receiver.reset({ record: true });
    const a = await load.run({
      origin: server.origin,
      bodies: helloBodies(settings.conversations, 'hang'),
      mode: 'closed',
      connections: 8,
      count: settings.conversations,
      durationMs: 10_000,
    });
    if (a.accepted !== settings.conversations) throw new Error(`bot A: ${a.accepted} of ${settings.conversations} accepted: ${a.errorSamples.join(' | ')}`);
    // Let A's deliveries reach the hanging receiver and stop changing (at most 3 s).
    let hanging = 0;
    let stableSince = epochMs();
    await waitUntil(
      async () => {
        const now = (await receiver.count()).hanging;
        if (now !== hanging) [hanging, stableSince] = [now, epochMs()];
        return hanging > 0 && epochMs() - stableSince > 500;
      },
      3_000,
      'hanging',
    ).catch(() => undefined);
    const sentAt = epochMs();
    const b = await load.run({ origin: server.origin, botId: OTHER_BOT, token: server.tokens[OTHER_BOT], bodies: helloBodies(1, 'other'), mode: 'closed', connections: 1, count: 1, durationMs: 5_000 });
    if (b.accepted !== 1) throw new Error(`bot B: not accepted: ${b.errorSamples.join(' | ')}`);
    let first: number | null = null;
    await waitUntil(async () => (first = await receiver.firstFor(OTHER_BOT)) !== null, settings.maxWaitMs, 'bot B').catch(() => undefined);
    return { settings, hanging, firstWebhookMs: first === null ? undefined : first - sentAt };
  } finally {
    await receiver.release();
    await server.close();
  }
}
