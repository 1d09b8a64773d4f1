import { defineConfig } from 'vitest/config';

/**
 * The tests against a real clamd (`npm run test:clamd`), run by .ci/run after .ci/clamd starts
 * one. Kept out of `npm test`, which has no clamd; the client itself is tested there against a
 * stand-in (src/web/upload-checks/clamd.test.ts).
 */
export default defineConfig({
  test: {
    include: ['src/**/*.clamd.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
