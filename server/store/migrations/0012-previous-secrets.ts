import { PostgresAdapter, type Kysely, type Migration } from 'kysely';

/**
 * Issue 10, item 8: every secret a rotation replaces keeps signing until its own grace period
 * ends, so a second rotation inside the first one's grace period loses nothing. The channel's one
 * `previous_secret` column could hold only the last replaced secret; the replaced secrets now get
 * a row each, with their own expiry, stored as the current secret is (sealed when SECRETS_KEY is
 * set). The previous secret a channel has now moves over, with its expiry, and the columns go.
 */
export const previousSecrets: Migration = {
  async up(db: Kysely<any>) {
    const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
    await db.schema
      .createTable('previous_secrets')
      // Increases with every rotation (rotations of a channel are serialised by its row lock):
      // the order the secrets were replaced in, even when two rotations share a millisecond.
      .addColumn('id', postgres ? 'bigserial' : 'integer', (c) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
      .addColumn('bot_id', 'varchar(64)', (c) => c.notNull())
      // As stored in channels.secret before the rotation: sealed, or in clear without a key.
      .addColumn('secret', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('retired_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('previous_secrets_bot_id').on('previous_secrets').columns(['bot_id', 'expires_at']).execute();
    await db.schema.createIndex('previous_secrets_expires_at').on('previous_secrets').column('expires_at').execute();

    const rows = await db
      .selectFrom('channels')
      .select(['bot_id', 'previous_secret', 'previous_expires_at', 'updated_at'])
      .where('previous_secret', 'is not', null)
      .where('previous_expires_at', 'is not', null)
      .execute();
    for (const row of rows) {
      await db
        .insertInto('previous_secrets')
        .values({ bot_id: row.bot_id, secret: row.previous_secret, expires_at: row.previous_expires_at, retired_at: row.updated_at })
        .execute();
    }
    await db.schema.alterTable('channels').dropColumn('previous_secret').execute();
    await db.schema.alterTable('channels').dropColumn('previous_expires_at').execute();
  },
};
