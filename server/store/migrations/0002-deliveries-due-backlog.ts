import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The due backlog of one bot, counted on every backpressure check (server/channel/backlog-guard.ts):
 * a partial index holds only pending deliveries, so the count reads at most the bound's worth of
 * index entries, however many deliveries were ever sent. Partial indexes: SQLite and PostgreSQL alike.
 */
export const deliveriesDueBacklog: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createIndex('deliveries_bot_pending_due')
      .on('deliveries')
      .columns(['bot_id', 'next_attempt_at'])
      .where(sql.ref('status'), '=', 'pending')
      .execute();
  },
};
