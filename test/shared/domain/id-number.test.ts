import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { idCheckChar, idNumberSex, isValidIdNumber } from '../../../shared/domain/id-number';

describe('GB 11643 identity numbers', () => {
  it('computes the published check characters', () => {
    // Examples from the standard's annex and widely published samples.
    expect(idCheckChar('11010519491231002')).toBe('X');
    expect(idCheckChar('44052418800101001')).toBe('4');
    expect(isValidIdNumber('11010519491231002X')).toBe(true);
    expect(isValidIdNumber('440524188001010014')).toBe(true);
  });

  it('rejects a wrong check character, a bad date, a wrong length and lowercase x', () => {
    expect(isValidIdNumber('110105194912310021')).toBe(false);
    expect(isValidIdNumber('110105194902300025')).toBe(false); // 30 February
    expect(isValidIdNumber('11010519491231002')).toBe(false);
    expect(isValidIdNumber('11010519491231002x')).toBe(false);
  });

  it('any single-digit change of a valid number is caught', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 16 }), fc.integer({ min: 1, max: 9 }), (position, delta) => {
        const valid = '11010519491231002X';
        const digit = (Number(valid[position]) + delta) % 10;
        const changed = valid.slice(0, position) + digit + valid.slice(position + 1);
        return !isValidIdNumber(changed);
      }),
    );
  });

  it('reads the sex from the sequence digit', () => {
    expect(idNumberSex('11010519491231002X')).toBe('female');
    expect(idNumberSex('440524188001010014')).toBe('male');
  });
});
