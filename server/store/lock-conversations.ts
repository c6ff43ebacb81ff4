import { engineOf, type Db } from './database.js';

/**
 * Locks the conversations, until the caller's transaction ends, before it changes what they have
 * pending (records an attempt, redelivers). The accept that queues a conversation's next answers
 * holds the same lock (`openConversation`), so the two never overlap: a conversation's head
 * (`delivery_heads`) is always computed from every pending delivery of it that was committed.
 * Without it, on PostgreSQL, an attempt recorded on one instance while another instance queued
 * answers behind the head saw no pending delivery, dropped the head, and the answers were never
 * claimed.
 *
 * PostgreSQL: `SELECT … ORDER BY id FOR NO KEY UPDATE`, one statement locking in id order, so two
 * transactions locking several conversations cannot deadlock on each other (and, unlike FOR
 * UPDATE, inserts that merely reference a conversation are not held up). It must come before
 * the transaction's first read of the deliveries: under READ COMMITTED each later statement then
 * sees what the accept committed. SQLite: nothing to do, a write transaction holds the database's
 * one write lock from its start (`BEGIN IMMEDIATE`).
 *
 * Then their heads (`delivery_heads`, FOR UPDATE, in conversation order), before any delivery row:
 * a claim locks a head and then updates its delivery, so a transaction that updated the delivery
 * first and then its head waited on the claim while the claim waited on it (deadlock detected: 30
 * redeliveries of one delivery at once answered 500). A claim skips locked heads, so this waits
 * only for a claim that already holds one, and that claim needs nothing held here.
 */
export async function lockConversations(db: Db, conversationIds: readonly string[]): Promise<void> {
  if (conversationIds.length === 0 || engineOf(db) !== 'postgres') return;
  await db
    .selectFrom('conversations')
    .select('id')
    .where('id', 'in', [...new Set(conversationIds)])
    .orderBy('id')
    .forNoKeyUpdate()
    .execute();
  await db
    .selectFrom('delivery_heads')
    .select('conversation_id')
    .where('conversation_id', 'in', [...new Set(conversationIds)])
    .orderBy('conversation_id')
    .forUpdate()
    .execute();
}
