/**
 * The heads table (`delivery_heads`, migration 0003): one row per conversation with pending
 * deliveries, naming the one that may be attempted next, when, and the lease of the attempt in
 * flight. Every operation that changes what is pending keeps it true in the same transaction;
 * the claim and the next due time read only this table, so their cost does not grow with the
 * deliveries waiting behind heads. Internal to the store.
 */
import { sql } from 'kysely';
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
    .values(heads.map((h) => ({ conversation_id: h.conversationId, bot_id: h.botId, delivery_id: h.deliveryId, lease_until: null, ready_at: dueAt })))
    .onConflict((oc) => oc.column('conversation_id').doNothing())
    .execute();
}

/**
 * Makes the conversation's head its lowest pending delivery again, after a delivery of it
 * changed (attempted, redelivered); a lease still held stays, and the head is ready when both it
 * and the lease allow. Without pending deliveries the row goes.
 */
export async function refreshHead(db: Db, conversationId: string): Promise<void> {
  const head = await db
    .selectFrom('deliveries')
    .select(['id', 'bot_id', 'next_attempt_at'])
    .where('conversation_id', '=', conversationId)
    .where('status', '=', 'pending')
    .orderBy('message_counter')
    .limit(1)
    .executeTakeFirst();
  if (!head) {
    await db.deleteFrom('delivery_heads').where('conversation_id', '=', conversationId).execute();
    return;
  }
  const dueAt = Number(head.next_attempt_at);
  await db
    .insertInto('delivery_heads')
    .values({ conversation_id: conversationId, bot_id: head.bot_id, delivery_id: head.id, lease_until: null, ready_at: dueAt })
    .onConflict((oc) =>
      oc.column('conversation_id').doUpdateSet((eb) => ({
        delivery_id: eb.ref('excluded.delivery_id'),
        ready_at: sql<number>`CASE WHEN delivery_heads.lease_until > ${dueAt} THEN delivery_heads.lease_until ELSE ${dueAt} END`,
      })),
    )
    .execute();
}

/** Ends the lease taken by the claim that set `leaseUntil`; a later claim's lease (the first one ran out) is left alone. */
export async function releaseLease(db: Db, conversationId: string, leaseUntil: number): Promise<void> {
  await db
    .updateTable('delivery_heads')
    .set({ lease_until: null })
    .where('conversation_id', '=', conversationId)
    .where('lease_until', '=', leaseUntil)
    .execute();
}
