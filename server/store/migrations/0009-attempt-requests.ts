import type { Kysely, Migration } from 'kysely';

/**
 * Each attempt keeps the request it sent: the Standard Webhooks headers that identify and sign
 * it, and the raw body as signed, so the delivery log shows exactly what the receiver got.
 * Attempts made before this migration have none.
 */
export const attemptRequests: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('attempts').addColumn('request_headers', 'text').execute();
    await db.schema.alterTable('attempts').addColumn('request_body', 'text').execute();
  },
};
