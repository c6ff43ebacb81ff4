import { PostgresAdapter, type Kysely, type Migration } from 'kysely';

/**
 * The bot's event log, read by the event stream (`GET /v1/bots/{botId}/events`): one row per
 * message created and per delivery update, written in the same transaction as the change it
 * records. The id is the stream's `id`; it only grows (AUTOINCREMENT never reuses an id, even
 * after retention deletes the newest rows), so a client resuming with `Last-Event-ID` after a
 * restart gets exactly what came after.
 */
export const events: Migration = {
  async up(db: Kysely<any>) {
    const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
    await db.schema
      .createTable('events')
      .addColumn('id', postgres ? 'bigserial' : 'integer', (c) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
      .addColumn('bot_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('sender_id', 'varchar(128)', (c) => c.notNull())
      .addColumn('type', 'varchar(32)', (c) => c.notNull())
      // The event without its id, as JSON.
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('events_bot_id').on('events').columns(['bot_id', 'id']).execute();
    await db.schema.createIndex('events_bot_sender_id').on('events').columns(['bot_id', 'sender_id', 'id']).execute();
  },
};
