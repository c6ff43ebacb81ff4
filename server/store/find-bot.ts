import type { Db } from './database.js';

export async function findBot(db: Db, id: string): Promise<{ id: string; tokenHash: string } | undefined> {
  const row = await db.selectFrom('bots').select(['id', 'token_hash']).where('id', '=', id).executeTakeFirst();
  return row && { id: row.id, tokenHash: row.token_hash };
}
