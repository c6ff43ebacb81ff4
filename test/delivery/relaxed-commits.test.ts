/**
 * On an SQLite file the worker's claims and attempt records commit relaxed (no fsync holding the
 * event loop) and one sync off the event loop makes them durable: no webhook may go out before
 * the claim that sends it, and so everything committed before it, is on disk.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import { deliveryStore } from '../../server/delivery/delivery-store.js';
import type { RelaxedCommits } from '../../server/store/database.js';
import { waitFor } from '../support/wait-for.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { senderId, startDeliveryFixture, type DeliveryFixture } from './fixture.js';

const FULL = 2;
const NORMAL = 1;

let fx: DeliveryFixture | undefined;
let receiver: WebhookReceiver | undefined;
let dir: string | undefined;
afterEach(async () => {
  await fx?.close();
  await receiver?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  fx = receiver = dir = undefined;
});

it('sends a claimed delivery only once the disk has the claim, and commits claims and attempts relaxed', async () => {
  receiver = await startWebhookReceiver();
  dir = mkdtempSync(join(tmpdir(), 'wc-relaxed-'));
  fx = await startDeliveryFixture(receiver.url, { databaseUrl: `sqlite:${join(dir, 'store.db')}`, startWorker: false });
  const relaxed = fx.database.relaxedCommits;
  expect(relaxed).toBeDefined();

  let openGate!: () => void;
  const gate = new Promise<void>((resolve) => (openGate = resolve));
  let durableAsked = 0;
  const synchronousSeen: number[] = [];
  const gated: RelaxedCommits = {
    run: (work) =>
      relaxed!.run(async (connection) => {
        synchronousSeen.push((await sql<{ synchronous: number }>`PRAGMA synchronous`.execute(connection)).rows[0]!.synchronous);
        return work(connection);
      }),
    durable: async () => {
      durableAsked++;
      await gate;
      await relaxed!.durable();
    },
  };
  const worker = fx.newWorker({ store: deliveryStore(fx.database.db, { relaxedCommits: gated }) });
  worker.start();
  const [queued] = await fx.queue(senderId(1), ['after the sync']);

  await waitFor(() => durableAsked > 0, { what: 'the claim to wait for the disk' });
  // Let the event loop turn a few times: a worker that sent before the sync would have by now.
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  expect(receiver.received).toHaveLength(0);

  openGate();
  const [webhook] = await receiver.waitForCount(1);
  expect(webhook!.headers['webhook-id']).toBe(queued!.webhookId);
  await fx.waitForDelivery(queued!.deliveryId, (d) => d.status === 'succeeded', 'to succeed');
  // The claim and the attempt's record ran relaxed; every other transaction commits under FULL.
  expect(synchronousSeen.length).toBeGreaterThanOrEqual(2);
  expect(new Set(synchronousSeen)).toEqual(new Set([NORMAL]));
  const after = await sql<{ synchronous: number }>`PRAGMA synchronous`.execute(fx.database.db);
  expect(after.rows[0]!.synchronous).toBe(FULL);
});
