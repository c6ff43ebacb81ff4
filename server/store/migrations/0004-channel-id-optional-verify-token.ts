import { type Kysely, type Migration } from 'kysely';
import { systemClock } from '../../clock.js';
import { createIdGenerator } from '../../ids.js';

/**
 * Issue 9: a channel gets an `id` (its per-channel message URL names it), and its verify token
 * becomes optional (`null`: webhook bodies carry no `verifyToken`). SQLite cannot drop a NOT NULL
 * constraint in place, so the token moves to a new nullable column; add, copy, drop and rename
 * run alike on SQLite (3.35+) and PostgreSQL.
 */
export const channelIdOptionalVerifyToken: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('channels').addColumn('id', 'varchar(40)').execute();
    const newId = createIdGenerator(systemClock);
    for (const { bot_id } of await db.selectFrom('channels').select('bot_id').execute()) {
      await db.updateTable('channels').set({ id: newId('chn') }).where('bot_id', '=', bot_id).execute();
    }
    await db.schema.createIndex('channels_id').on('channels').column('id').unique().execute();

    await db.schema.alterTable('channels').addColumn('verify_token_optional', 'text').execute();
    await db.updateTable('channels').set((eb) => ({ verify_token_optional: eb.ref('verify_token') })).execute();
    await db.schema.alterTable('channels').dropColumn('verify_token').execute();
    await db.schema.alterTable('channels').renameColumn('verify_token_optional', 'verify_token').execute();
  },
};
