import { defineConfig } from 'vitest/config';

/**
 * The fault suite (`npm run test:faults`): real server processes against PostgreSQL through a
 * proxy the tests control. One file at a time: each starts servers and ends connections.
 */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.fault.ts'],
    testTimeout: 240_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    pool: 'forks',
  },
});
