import fc from 'fast-check';
import { describe, it } from 'vitest';
import { combinations } from './library';
import { checkPath } from './paths';

// Each shipped script alone gets many random paths (see paths.ts for what every path must satisfy); the
// combinations are in merge.property.test.ts, a separate file so that vitest runs them in parallel.
describe('every path through every shipped script ends well', () => {
  it.each(combinations(1))('%s', (type) => checkPath([type], 100));

  it('random merges of 1 to 4 types', () => {
    fc.assert(
      fc.property(fc.subarray([...combinations(1).flat()], { minLength: 1, maxLength: 4 }), (types) => {
        checkPath(types, 2);
      }),
      { numRuns: 40 },
    );
  });
});
