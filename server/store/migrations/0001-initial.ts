import { type Kysely, type Migration } from 'kysely';

// Written with the schema builder and portable types only, so the same migration runs on SQLite and PostgreSQL.
export const initial: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('bots')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('token_hash', 'varchar(128)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('channels')
      .addColumn('bot_id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('verify_token', 'text', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('disabled_reason', 'text')
      .addColumn('disabled_at', 'bigint')
      .addColumn('verified_at', 'bigint')
      .addColumn('secret', 'text', (c) => c.notNull())
      .addColumn('previous_secret', 'text')
      .addColumn('previous_expires_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('conversations')
      .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
      .addColumn('bot_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('sender_id', 'varchar(128)', (c) => c.notNull())
      .addColumn('state', 'text')
      .addColumn('variables', 'text', (c) => c.notNull())
      .addColumn('last_sequence', 'bigint', (c) => c.notNull())
      .addColumn('last_message_counter', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('conversations_bot_sender', ['bot_id', 'sender_id'])
      .execute();

    await db.schema
      .createTable('messages')
      .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
      .addColumn('conversation_id', 'varchar(40)', (c) => c.notNull().references('conversations.id'))
      .addColumn('bot_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('actor', 'varchar(8)', (c) => c.notNull())
      .addColumn('sequence', 'bigint', (c) => c.notNull())
      .addColumn('message_counter', 'bigint')
      .addColumn('is_intro', 'integer', (c) => c.notNull())
      .addColumn('in_reply_to', 'varchar(40)')
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('messages_conversation_sequence', ['conversation_id', 'sequence'])
      .execute();

    await db.schema
      .createTable('deliveries')
      .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
      .addColumn('bot_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('conversation_id', 'varchar(40)', (c) => c.notNull().references('conversations.id'))
      .addColumn('sender_id', 'varchar(128)', (c) => c.notNull())
      .addColumn('message_id', 'varchar(40)', (c) => c.notNull().references('messages.id'))
      .addColumn('webhook_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('message_counter', 'bigint', (c) => c.notNull())
      .addColumn('event', 'text', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('attempt_count', 'integer', (c) => c.notNull())
      .addColumn('round_attempt_count', 'integer', (c) => c.notNull())
      .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
      .addColumn('lease_until', 'bigint')
      .addColumn('last_attempt_at', 'bigint')
      .addColumn('last_status_code', 'integer')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    // The claim walks active channels, then their due pending deliveries, and checks each for an
    // earlier pending one in its conversation: each step is one index range.
    await db.schema.createIndex('deliveries_bot_due').on('deliveries').columns(['bot_id', 'status', 'next_attempt_at']).execute();
    await db.schema.createIndex('deliveries_conversation_pending').on('deliveries').columns(['conversation_id', 'status', 'message_counter']).execute();
    // The queue depth counts pending deliveries of every bot.
    await db.schema.createIndex('deliveries_status').on('deliveries').columns(['status']).execute();
    await db.schema.createIndex('deliveries_bot_created').on('deliveries').columns(['bot_id', 'created_at', 'id']).execute();

    await db.schema
      .createTable('attempts')
      .addColumn('delivery_id', 'varchar(40)', (c) => c.notNull().references('deliveries.id'))
      .addColumn('number', 'integer', (c) => c.notNull())
      .addColumn('attempted_at', 'bigint', (c) => c.notNull())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('status_code', 'integer')
      .addColumn('latency_ms', 'integer', (c) => c.notNull())
      .addColumn('outcome', 'varchar(16)', (c) => c.notNull())
      .addColumn('error', 'text')
      .addPrimaryKeyConstraint('attempts_pk', ['delivery_id', 'number'])
      .execute();

    await db.schema
      .createTable('idempotency_keys')
      .addColumn('bot_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('key', 'varchar(255)', (c) => c.notNull())
      .addColumn('request_hash', 'varchar(128)', (c) => c.notNull())
      .addColumn('response', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('idempotency_keys_pk', ['bot_id', 'key'])
      .execute();
    await db.schema.createIndex('idempotency_keys_expiry').on('idempotency_keys').column('expires_at').execute();
  },
};
