import { defineConfig } from 'vitest/config';
import { findPostgresBinaries } from './test/support/postgres.js';

// The server suite runs once per engine: SQLite always, PostgreSQL when its binaries are on the
// machine (a throw-away server, see test/support/postgres.ts). CI installs them, so there a
// missing PostgreSQL is an error, not a skip.
const postgres = findPostgresBinaries();
if (!postgres.found) {
  if (process.env.CI === 'true') throw new Error(`CI must run the PostgreSQL suite: ${postgres.reason}`);
  console.warn(`\n*** PostgreSQL suite SKIPPED: ${postgres.reason}.\n`);
}

/** What runs again on PostgreSQL: everything that talks to a server's store, and the PostgreSQL-only tests. */
const POSTGRES_SUITE = ['test/server/**/*.test.ts', 'test/client/against-server.test.ts', 'test/postgres/**/*.test.ts', 'test/reliability/**/*.test.ts'];

// Generous bounds: tests must pass on a slow, busy two-core machine. Speed is measured by `npm run bench`.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      {
        extends: true as const,
        test: { name: 'sqlite', include: ['test/**/*.test.ts'], exclude: ['test/postgres/**'] },
      },
      ...(postgres.found
        ? [
            {
              extends: true as const,
              test: {
                name: 'postgres',
                include: POSTGRES_SUITE,
                // Pure configuration parsing has no store to vary; one process per SQLite file is SQLite's alone.
                exclude: ['test/server/config.test.ts', 'test/server/sqlite-one-process.test.ts'],
                env: { TEST_STORE: 'postgres' },
                globalSetup: ['test/support/postgres-setup.ts'],
              },
            },
          ]
        : []),
    ],
  },
});
