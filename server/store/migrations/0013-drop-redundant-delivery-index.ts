import type { Kysely, Migration } from 'kysely';

/**
 * `deliveries_status (status)` repeats the leading column of `deliveries_status_updated (status,
 * updated_at)`, which serves every query by status as well. Each delivery is written twice or more
 * (queued, claimed, recorded) and every index costs a page write each time: profiles of the
 * accept and drain paths put the deliveries' eight indexes among their largest costs.
 */
export const dropRedundantDeliveryIndex: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.dropIndex('deliveries_status').ifExists().execute();
  },
};
