import { describe, expect, it } from 'vitest';
import { EVENTS, METHODS } from '../../../shared/contract';
import { EVENT_NAMES, isEventName, isMethodName, METHOD_NAMES } from '../../../shared/contract/names';

describe('the zod-free name lists', () => {
  it('are exactly the keys of METHODS and EVENTS', () => {
    expect([...METHOD_NAMES].sort()).toEqual(Object.keys(METHODS).sort());
    expect([...EVENT_NAMES].sort()).toEqual(Object.keys(EVENTS).sort());
  });

  it('refuse names outside the contract, prototype keys included', () => {
    for (const name of ['__proto__', 'constructor', 'toString', '../evil', '', 1, null]) {
      expect(isMethodName(name)).toBe(false);
      expect(isEventName(name)).toBe(false);
    }
    expect(isMethodName('worklist.list')).toBe(true);
    expect(isEventName('outbox.changed')).toBe(true);
  });
});
