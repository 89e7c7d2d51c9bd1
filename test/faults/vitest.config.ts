import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * The fault suite (`npm run test:faults`, scripts/faults.sh): bounded loops of kills and cuts. Each test sets
 * its own bound from FAULT_KILLS (test/faults/support.ts `bound`); these are the ceilings for hooks and for a
 * test that sets none (the hostile sync client's).
 */
export default defineConfig({
  resolve: {
    alias: { electron: fileURLToPath(new URL('../mocks/electron.ts', import.meta.url)) },
  },
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/faults/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
    pool: 'forks',
    // Two cores: two loops at a time; the loops spawn seats, head offices and PostgreSQL themselves.
    maxWorkers: 2,
  },
});
