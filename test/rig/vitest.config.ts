import { defineConfig, mergeConfig } from 'vitest/config';
import root from '../../vitest.config';

/**
 * The SIP rig's tests (`*.rig.test.ts`), run inside a private network namespace by run.sh:
 *   bash test/rig/run.sh npx vitest run --config test/rig/vitest.config.ts
 * One Kamailio on fixed ports at a time, so files run one after another. Keeps the root config's aliases.
 */
export default mergeConfig(
  { resolve: root.resolve },
  defineConfig({
    test: {
      root: new URL('../..', import.meta.url).pathname,
      include: ['test/rig/**/*.rig.test.ts'],
      pool: 'forks',
      fileParallelism: false,
      testTimeout: 60_000,
      hookTimeout: 120_000,
      env: { SIP_RIG: '1' },
    },
  }),
);
