import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The head of each conversation's queue in a table of its own, so that claiming costs the same
 * with 30 pending deliveries or 30,000: a conversation with pending deliveries has one row here,
 * naming its lowest pending `message_counter`, and the claim reads only rows that are ready (an
 * index range per channel), never the deliveries waiting behind a head.
 *
 * The lease moves here too: it belongs to the conversation (one attempt in flight per
 * conversation, redelivery included), not to one delivery.
 */
export const deliveryHeads: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('delivery_heads')
      .addColumn('conversation_id', 'varchar(40)', (c) => c.primaryKey().references('conversations.id'))
      .addColumn('bot_id', 'varchar(64)', (c) => c.notNull())
      // The pending delivery with the lowest counter: the only one of its conversation that may be attempted.
      .addColumn('delivery_id', 'varchar(40)', (c) => c.notNull())
      // Set while an attempt of this conversation is in flight: when it ends, another worker may take
      // it (at least once). Each claim sets a later value, so it also names the claim holding it:
      // only that claim's answer releases it.
      .addColumn('lease_until', 'bigint')
      // When the head may be claimed: its next attempt time, or its lease's end when that is later.
      .addColumn('ready_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('delivery_heads_bot_ready').on('delivery_heads').columns(['bot_id', 'ready_at']).execute();

    // Heads of what is pending now; a lease in flight carries over and runs out (or is freed at start).
    await sql`
      INSERT INTO delivery_heads (conversation_id, bot_id, delivery_id, lease_until, ready_at)
      SELECT d.conversation_id, d.bot_id, d.id, d.lease_until,
             CASE WHEN d.lease_until > d.next_attempt_at THEN d.lease_until ELSE d.next_attempt_at END
      FROM deliveries d
      WHERE d.status = 'pending'
        AND NOT EXISTS (
          SELECT 1 FROM deliveries e
          WHERE e.conversation_id = d.conversation_id AND e.status = 'pending' AND e.message_counter < d.message_counter
        )
    `.execute(db);
    await db.schema.alterTable('deliveries').dropColumn('lease_until').execute();
    // The claim no longer walks deliveries by due time; its index only slowed every write.
    await db.schema.dropIndex('deliveries_bot_due').execute();
  },
};
