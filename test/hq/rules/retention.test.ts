import { describe, expect, it } from 'vitest';
import { createRules, retainUntil, retentionYears } from '../../../hq/rules';

describe('retention periods', () => {
  const retention = createRules({ retention: { recordingYears: 3, byType: { complaint: 10 } } }).config
    .retention;

  it('takes the longest period of the types a merged call covered, with AML never under 5 years', () => {
    expect(retentionYears([], retention)).toBe(3);
    expect(retentionYears(['new_account'], retention)).toBe(3);
    expect(retentionYears(['new_account', 'aml'], retention)).toBe(5);
    expect(retentionYears(['aml', 'complaint'], retention)).toBe(10);
  });

  it('refuses a period under the 3 years the CSRC asks for', () => {
    expect(() => createRules({ retention: { recordingYears: 2 } })).toThrow();
    expect(() => createRules({ retention: { byType: { aml: 1 } } })).toThrow();
  });

  it('counts whole years from the call (29 February moves to 1 March)', () => {
    expect(retainUntil('2026-11-26T02:00:00.000Z', 3)).toBe('2029-11-26T02:00:00.000Z');
    expect(retainUntil('2024-02-29T09:00:00.000Z', 3)).toBe('2027-03-01T09:00:00.000Z');
  });
});
