import { describe, expect, it } from 'vitest';
import * as seat from '../../electron/seat/auth/password';
import * as hq from '../../hq/auth/password';

describe('password hashes shared by head office and the seats', () => {
  it('verifies at the seat what head office hashed, and the other way round', async () => {
    const fromHq = await hq.hashPassword('回访#2026', { N: 1024 });
    expect(await seat.verifyPassword('回访#2026', fromHq)).toBe(true);
    expect(await seat.verifyPassword('回访#2025', fromHq)).toBe(false);
    const fromSeat = await seat.hashPassword('huifang123', { N: 1024 });
    expect(await hq.verifyPassword('huifang123', fromSeat)).toBe(true);
  });
});
