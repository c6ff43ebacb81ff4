import type { Kysely, Migration } from 'kysely';

/**
 * Instances sharing a PostgreSQL database write a heartbeat (`instances`), and each lease names
 * the instance holding it (`delivery_heads.leased_by`), so an instance whose heartbeat stopped
 * loses its leases as soon as the others notice, not only when each lease runs out. Leases taken
 * before this migration name nobody and run out as before.
 */
export const instanceHeartbeats: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('instances')
      .addColumn('id', 'varchar(40)', (c) => c.primaryKey())
      .addColumn('started_at', 'bigint', (c) => c.notNull())
      // The instance's clock at its latest heartbeat, in ms since the epoch.
      .addColumn('heartbeat_at', 'bigint', (c) => c.notNull())
      .execute();
    // No index: it is read only for instances found stopped, a rare event, and one per claim would cost every claim.
    await db.schema.alterTable('delivery_heads').addColumn('leased_by', 'varchar(40)').execute();
  },
};
