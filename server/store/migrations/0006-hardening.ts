import { createHash } from 'node:crypto';
import { type Kysely, type Migration } from 'kysely';

/**
 * Issue 12. The verify token authenticates the legacy endpoint, so it is compared by its hash
 * (`verify_token_hash`, SHA-256 hex), filled here for the channels that exist. Indexes for
 * retention: delivered deliveries by age, messages by age, and deliveries by message (a message
 * with a delivery left is kept).
 */
export const hardening: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('channels').addColumn('verify_token_hash', 'varchar(64)').execute();
    for (const { bot_id, verify_token } of await db.selectFrom('channels').select(['bot_id', 'verify_token']).execute()) {
      if (verify_token === null) continue;
      const hash = createHash('sha256').update(String(verify_token)).digest('hex');
      await db.updateTable('channels').set({ verify_token_hash: hash }).where('bot_id', '=', bot_id).execute();
    }
    await db.schema.createIndex('deliveries_status_updated').on('deliveries').columns(['status', 'updated_at']).execute();
    await db.schema.createIndex('deliveries_message').on('deliveries').column('message_id').execute();
    await db.schema.createIndex('messages_created').on('messages').column('created_at').execute();
  },
};
