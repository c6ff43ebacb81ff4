/**
 * The heads table (`delivery_heads`, migration 0003): one row per conversation with pending
 * deliveries, naming the one that may be attempted next, when, and the lease of the attempt in
 * flight. Every operation that changes what is pending keeps it true in the same transaction;
 * the claim and the next due time read only this table, so their cost does not grow with the
 * deliveries waiting behind heads. Internal to the store.
 *
 * The caller's transaction holds the lock of each conversation it passes (`openConversation` for
 * an accept, `lockConversations` otherwise): on PostgreSQL a head computed without it can miss
 * deliveries another instance is committing, and a conversation left without a head is never claimed.
 */
import { sql, type ExpressionBuilder } from 'kysely';
import type { Schema } from './schema.js';
import type { Db } from './database.js';

/**
 * After new deliveries were queued: a conversation without a head gets one (its first new
 * delivery, due at `dueAt`). A conversation that has one keeps it, since new messages always
 * take higher counters than what is already pending.
 */
export async function addHeads(db: Db, heads: ReadonlyArray<{ conversationId: string; botId: string; deliveryId: string }>, dueAt: number): Promise<void> {
  if (heads.length === 0) return;
  await db
    .insertInto('delivery_heads')
    .values(heads.map((h) => ({ conversation_id: h.conversationId, bot_id: h.botId, delivery_id: h.deliveryId, lease_until: null, ready_at: dueAt, leased_by: null })))
    .onConflict((oc) => oc.column('conversation_id').doNothing())
    .execute();
}

/**
 * Makes each conversation's head its lowest pending delivery again, after deliveries of them
 * changed (attempted, redelivered); a lease still held stays, and the head is ready when both it
 * and the lease allow. Conversations left without pending deliveries lose their row. A few
 * statements for any number of conversations, each an index lookup per conversation.
 */
export async function refreshHeads(db: Db, conversationIds: readonly string[]): Promise<void> {
  if (conversationIds.length === 0) return;
  const ids = [...new Set(conversationIds)];
  const pendingOf = (eb: ExpressionBuilder<Schema, 'delivery_heads'>) =>
    eb
      .selectFrom('deliveries as d')
      .whereRef('d.conversation_id', '=', 'delivery_heads.conversation_id')
      .where('d.status', '=', 'pending');
  await db
    .deleteFrom('delivery_heads')
    .where('conversation_id', 'in', ids)
    .where((eb) => eb.not(eb.exists(pendingOf(eb).select('d.id'))))
    .execute();
  await db
    .updateTable('delivery_heads')
    .set((eb) => ({
      delivery_id: pendingOf(eb).select('d.id').orderBy('d.message_counter').limit(1),
      ready_at: pendingOf(eb)
        .select(sql<number>`CASE WHEN delivery_heads.lease_until > d.next_attempt_at THEN delivery_heads.lease_until ELSE d.next_attempt_at END`.as('ready'))
        .orderBy('d.message_counter')
        .limit(1),
    }))
    .where('conversation_id', 'in', ids)
    .execute();
  // A conversation with pending deliveries and no row (one was redelivered after all others were
  // done): its lowest pending delivery, one index lookup for each such conversation; those that
  // have a row, nearly all, are passed over by the primary key.
  await db
    .insertInto('delivery_heads')
    .columns(['conversation_id', 'bot_id', 'delivery_id', 'lease_until', 'ready_at'])
    .expression((eb) =>
      eb
        .selectFrom('deliveries as d')
        .select(['d.conversation_id', 'd.bot_id', 'd.id', sql<null>`NULL`.as('lease_until'), 'd.next_attempt_at'])
        .where('d.id', 'in', (inner) =>
          inner
            .selectFrom('conversations as c')
            .select((head) =>
              head
                .selectFrom('deliveries as e')
                .select('e.id')
                .whereRef('e.conversation_id', '=', 'c.id')
                .where('e.status', '=', 'pending')
                .orderBy('e.message_counter')
                .limit(1)
                .as('head_id'),
            )
            .where('c.id', 'in', ids)
            .where((c) => c.not(c.exists(c.selectFrom('delivery_heads as h').select('h.conversation_id').whereRef('h.conversation_id', '=', 'c.id')))),
        ),
    )
    .onConflict((oc) => oc.column('conversation_id').doNothing())
    .execute();
}

/** `refreshHeads` for one conversation. */
export function refreshHead(db: Db, conversationId: string): Promise<void> {
  return refreshHeads(db, [conversationId]);
}

/**
 * Ends the leases taken by the claims that set each `leaseUntil`; a later claim's lease (the
 * first one ran out) is left alone. One statement per claim: attempts claimed together share it.
 */
export async function releaseLeases(db: Db, held: ReadonlyArray<{ conversationId: string; leaseUntil: number }>): Promise<void> {
  const byLease = new Map<number, string[]>();
  for (const h of held) (byLease.get(h.leaseUntil) ?? byLease.set(h.leaseUntil, []).get(h.leaseUntil)!).push(h.conversationId);
  for (const [leaseUntil, conversationIds] of byLease) {
    await db
      .updateTable('delivery_heads')
      .set({ lease_until: null, leased_by: null })
      .where('conversation_id', 'in', conversationIds)
      .where('lease_until', '=', leaseUntil)
      .execute();
  }
}
