import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // A plain-Node `import 'electron'` would try to download the Electron binary; tests get a named fake.
    alias: { electron: fileURLToPath(new URL('./test/mocks/electron.ts', import.meta.url)) },
  },
  test: {
    include: ['test/**/*.test.ts'],
    // A migrated PGlite template for head office's tests to copy (test/support/hq-db.ts).
    globalSetup: ['test/support/global-setup.ts'],
    // The rig and the fault suite run on their own (npm run test:rig, npm run test:faults).
    exclude: ['test/boundary/fixtures/**', 'test/rig/**', 'test/faults/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file gets a fresh module graph; store tests use their own temporary database files.
    pool: 'forks',
  },
});
