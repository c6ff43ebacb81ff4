import { sql } from 'kysely';
import type { Db } from './database.js';

/** Whether the store answers a trivial query: the readiness check. */
export async function ping(db: Db): Promise<boolean> {
  return sql`select 1`.execute(db).then(
    () => true,
    () => false,
  );
}
