import type { Kysely } from 'kysely';
import { inTransaction, type Db } from './database.js';
import { appendEvents } from './append-events.js';
import { refreshHeads, releaseLeases } from './delivery-heads.js';
import { lockConversations } from './lock-conversations.js';
import { deliveryUpdated, toDeliveryState, type AttemptRecord } from './records.js';
import type { Schema } from './schema.js';
import { isWriteConflict } from './store-errors.js';

const DELIVERY_STATE_COLUMNS = [
  'id', 'bot_id', 'conversation_id', 'sender_id', 'message_id', 'webhook_id', 'message_counter', 'status',
  'attempt_count', 'next_attempt_at', 'last_attempt_at', 'last_status_code', 'created_at', 'updated_at',
] as const;

/** PostgreSQL may pick this transaction as a deadlock victim against accepts and claims: run it again, a few times. */
const WRITE_CONFLICT_RETRIES = 5;

export interface AttemptResult extends AttemptRecord {
  botId: string;
  conversationId: string;
  /** The claim's `leaseUntil`: the lease this attempt releases. */
  leaseUntil: number;
  /** The channel's `verifiedAt` when the attempt was claimed; with `url`, the configuration it was sent to. */
  channelVerifiedAt: number | null;
  next: { status: 'pending'; nextAttemptAt: number } | { status: 'succeeded' } | { status: 'failed' };
  /** Set when the answer asks to disable the channel (410 Gone): the reason to store. */
  disableReason?: string | null;
}

/** Records one attempt; see `recordAttempts`. */
export async function recordAttempt(db: Kysely<Schema>, a: AttemptResult): Promise<void> {
  await recordAttempts(db, [a]);
}

/**
 * Records attempts and moves each delivery on (to its next attempt, success, or dead letter),
 * releases its conversation's lease and makes the conversation's next pending delivery its head,
 * all in one transaction: one commit (and one fsync) for many attempts.
 *
 * An answer only counts against the configuration it was sent to. When the channel was
 * configured again meanwhile (another URL, or verified anew), a failure neither disables the new
 * channel nor spends a step of the retry schedule: the delivery is due again at once, for the
 * new URL. A delivery that was claimed again after this attempt's lease ran out keeps the later
 * claim's state; the attempt itself is still logged.
 */
export async function recordAttempts(db: Db, attempts: readonly AttemptResult[]): Promise<void> {
  if (attempts.length === 0) return;
  // One lock order for every transaction of the batch: conversations by id.
  const sorted = [...attempts].sort((a, b) => (a.conversationId < b.conversationId ? -1 : a.conversationId > b.conversationId ? 1 : 0));
  for (let retry = 0; ; retry++) {
    try {
      return await writeAttempts(db, sorted);
    } catch (error) {
      // Inside the caller's transaction, the caller runs the whole of it again.
      if (!isWriteConflict(error) || retry >= WRITE_CONFLICT_RETRIES || db.isTransaction) throw error;
    }
  }
}

async function writeAttempts(db: Db, attempts: readonly AttemptResult[]): Promise<void> {
  await inTransaction(db, async (trx) => {
    // First: an accept queuing answers in these conversations commits before, or waits.
    await lockConversations(trx, attempts.map((a) => a.conversationId));
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
          request_headers: a.request ? JSON.stringify(a.request.headers) : null,
          request_body: a.request?.body ?? null,
        })),
      )
      // A lease that expired mid-attempt lets another worker try the same number; keep the first record.
      .onConflict((oc) => oc.columns(['delivery_id', 'number']).doNothing())
      .execute();

    const current = await currentConfigurations(trx, attempts);
    for (const a of attempts) {
      const channel = current.get(a.botId);
      const sentToCurrent = channel !== undefined && channel.url === a.url && channel.verifiedAt === a.channelVerifiedAt;
      const stale = !sentToCurrent && a.outcome === 'failed';
      const next = stale ? { status: 'pending' as const, nextAttemptAt: a.attemptedAt } : a.next;
      await trx
        .updateTable('deliveries')
        .set((eb) => ({
          status: next.status,
          next_attempt_at: next.status === 'pending' ? next.nextAttemptAt : a.attemptedAt,
          last_attempt_at: a.attemptedAt,
          last_status_code: a.statusCode,
          updated_at: a.attemptedAt,
          // The old URL's failure does not count against the new one.
          ...(stale && { round_attempt_count: eb('round_attempt_count', '-', 1) }),
        }))
        .where('id', '=', a.deliveryId)
        // A later claim of this delivery (this one's lease ran out) owns its state now.
        .where('attempt_count', '=', a.number)
        .execute();
      if (a.disableReason && sentToCurrent) await disableConfiguration(trx, a, a.disableReason);
    }
    await releaseLeases(trx, attempts);
    await refreshHeads(trx, attempts.map((a) => a.conversationId));
    // The event log records each attempt with the delivery as it now stands.
    // Without the body, which the event leaves out: each is a kilobyte or more to read and parse.
    const rows = await trx
      .selectFrom('deliveries')
      .select(DELIVERY_STATE_COLUMNS)
      .where('id', 'in', attempts.map((a) => a.deliveryId))
      .execute();
    const deliveries = new Map(rows.map((row) => [row.id, toDeliveryState(row)]));
    await appendEvents(
      trx,
      attempts.flatMap((a) => {
        const delivery = deliveries.get(a.deliveryId);
        if (!delivery) return [];
        const { deliveryId, number, attemptedAt, url, statusCode, latencyMs, outcome, error } = a;
        const attempt: AttemptRecord = { deliveryId, number, attemptedAt, url, statusCode, latencyMs, outcome, error };
        return [{ botId: delivery.botId, senderId: delivery.senderId, record: deliveryUpdated(delivery, attempt, a.attemptedAt) }];
      }),
    );
  });
}

async function currentConfigurations(db: Db, attempts: readonly AttemptResult[]): Promise<Map<string, { url: string; verifiedAt: number | null }>> {
  const botIds = [...new Set(attempts.map((a) => a.botId))];
  const rows = await db.selectFrom('channels').select(['bot_id', 'url', 'verified_at']).where('bot_id', 'in', botIds).execute();
  return new Map(rows.map((r) => [r.bot_id, { url: r.url, verifiedAt: r.verified_at === null ? null : Number(r.verified_at) }]));
}

/** Disables the channel only as configured when the attempt was sent, never a configuration made since. */
async function disableConfiguration(db: Db, a: AttemptResult, reason: string): Promise<void> {
  await db
    .updateTable('channels')
    .set({ status: 'disabled', disabled_reason: reason, disabled_at: a.attemptedAt, updated_at: a.attemptedAt })
    .where('bot_id', '=', a.botId)
    .where('url', '=', a.url)
    .where('verified_at', a.channelVerifiedAt === null ? 'is' : '=', a.channelVerifiedAt)
    .where('status', '=', 'active')
    .execute();
}
