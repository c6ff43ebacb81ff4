import { defineConfig } from 'vitest/config';

// Generous bounds: tests must pass on a slow, busy two-core machine. Speed is measured by `npm run bench`.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
