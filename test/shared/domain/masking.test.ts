import { describe, expect, it } from 'vitest';
import { maskIdNumber, maskName, maskPhone } from '../../../shared/domain/masking';

describe('masking personal data', () => {
  it('keeps the first 4 and last 4 characters of an ID number', () => {
    expect(maskIdNumber('11010519491231002X')).toBe('1101**********002X');
    expect(maskIdNumber('11010519491231002X')).not.toContain('19491231');
  });

  it('masks the middle four digits of a mobile number', () => {
    expect(maskPhone('13812345678')).toBe('138****5678');
  });

  it('never returns an unexpected-length value unmasked', () => {
    expect(maskIdNumber('A1234567')).toBe('******67');
    expect(maskPhone('02161234567890')).toBe('**********7890');
  });

  it('keeps only the surname of a name for logs', () => {
    expect(maskName('张伟')).toBe('张*');
    expect(maskName('欧阳明月')).toBe('欧***');
    expect(maskName('')).toBe('*');
  });
});
