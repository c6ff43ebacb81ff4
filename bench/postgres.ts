/**
 * PostgreSQL for `npm run bench`: a throw-away server started the way the test suite starts one
 * (test/support/postgres.ts), but durable (fsync and synchronous commits on, as in production),
 * and a fresh database for each target. A bench target runs the server on it by setting
 * `DATABASE_URL` to `newDatabaseUrl()`; two instances share one such URL.
 * Skipped, with the reason, where PostgreSQL's binaries are not on the machine.
 */
import { createTestDatabase, findPostgresBinaries, startPostgresServer } from '../test/support/postgres.js';

export interface BenchPostgres {
  /** A new, empty database on the server (dropped by `stop`). */
  newDatabaseUrl(): Promise<string>;
  /** Drops the databases and stops the server. */
  stop(): Promise<void>;
}

export async function startBenchPostgres(): Promise<BenchPostgres | { skipped: string }> {
  const binaries = findPostgresBinaries();
  if (!binaries.found) return { skipped: binaries.reason };
  const server = await startPostgresServer(binaries, { durable: true });
  const drops: Array<() => Promise<void>> = [];
  return {
    async newDatabaseUrl() {
      const database = await createTestDatabase(server.adminUrl);
      drops.push(database.drop);
      return database.url;
    },
    async stop() {
      for (const drop of drops) await drop().catch(() => undefined);
      await server.destroy();
    },
  };
}
