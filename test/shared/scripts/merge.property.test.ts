import { describe, it } from 'vitest';
import { combinations } from './library';
import { checkPath } from './paths';

// Every combination of two and of three callback types, a few random paths each (36 × 10 + 84 × 4).
describe('every path through every merge of 2 or 3 purposes ends well', () => {
  it('every pair of callback types', () => {
    for (const types of combinations(2)) checkPath(types, 10);
  });

  it('every three callback types', () => {
    for (const types of combinations(3)) checkPath(types, 4);
  });
});
