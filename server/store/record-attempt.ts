import type { Kysely } from 'kysely';
import { appendEvents } from './append-events.js';
import { deliveryUpdated, toDelivery, type AttemptRecord } from './records.js';
import type { Schema } from './schema.js';

export interface AttemptResult extends AttemptRecord {
  next: { status: 'pending'; nextAttemptAt: number } | { status: 'succeeded' } | { status: 'failed' };
}

/** Records one attempt and moves its delivery on (to its next attempt, success, or dead letter), releasing the lease. */
export async function recordAttempt(db: Kysely<Schema>, a: AttemptResult): Promise<void> {
  await recordAttempts(db, [a]);
}

/** Records several attempts in one transaction: one commit (and one fsync) for all of them. */
export async function recordAttempts(db: Kysely<Schema>, attempts: readonly AttemptResult[]): Promise<void> {
  if (attempts.length === 0) return;
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('attempts')
      .values(
        attempts.map((a) => ({
          delivery_id: a.deliveryId,
          number: a.number,
          attempted_at: a.attemptedAt,
          url: a.url,
          status_code: a.statusCode,
          latency_ms: Math.max(0, Math.round(a.latencyMs)),
          outcome: a.outcome,
          error: a.error,
        })),
      )
      // A lease that expired mid-attempt lets another worker try the same number; keep the first record.
      .onConflict((oc) => oc.columns(['delivery_id', 'number']).doNothing())
      .execute();
    for (const a of attempts) {
      await trx
        .updateTable('deliveries')
        .set({
          status: a.next.status,
          next_attempt_at: a.next.status === 'pending' ? a.next.nextAttemptAt : a.attemptedAt,
          lease_until: null,
          last_attempt_at: a.attemptedAt,
          last_status_code: a.statusCode,
          updated_at: a.attemptedAt,
        })
        .where('id', '=', a.deliveryId)
        .execute();
    }
    // The event log records each attempt with the delivery as it now stands.
    const rows = await trx.selectFrom('deliveries').selectAll().where('id', 'in', attempts.map((a) => a.deliveryId)).execute();
    const deliveries = new Map(rows.map((row) => [row.id, toDelivery(row)]));
    await appendEvents(
      trx,
      attempts.flatMap((a) => {
        const delivery = deliveries.get(a.deliveryId);
        if (!delivery) return [];
        const { next: _next, ...attempt } = a;
        return [{ botId: delivery.botId, senderId: delivery.senderId, record: deliveryUpdated(delivery, attempt, a.attemptedAt) }];
      }),
    );
  });
}
