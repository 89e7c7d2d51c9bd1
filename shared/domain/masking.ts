/**
 * Masking of personal data for lists and logs (ARCHITECTURE "Data rules"). The full value is shown only by an
 * audited reveal. Masks keep enough for an agent to recognise a record, never enough to use it.
 */

/** `110101199003071234` → `1101**********1234`. Anything that is not an 18-character ID keeps only its last 2. */
export function maskIdNumber(value: string): string {
  if (value.length === 18) return `${value.slice(0, 4)}${'*'.repeat(10)}${value.slice(14)}`;
  return `${'*'.repeat(Math.max(0, value.length - 2))}${value.slice(-2)}`;
}

/** `13812345678` → `138****5678`; other lengths keep their last 4 digits. */
export function maskPhone(value: string): string {
  if (value.length === 11) return `${value.slice(0, 3)}****${value.slice(7)}`;
  return `${'*'.repeat(Math.max(0, value.length - 4))}${value.slice(-4)}`;
}

/** For logs only (the agent sees names): `张三` → `张*`, `欧阳明月` → `欧***`. */
export function maskName(value: string): string {
  const chars = Array.from(value);
  if (chars.length <= 1) return '*';
  return `${chars[0]}${'*'.repeat(chars.length - 1)}`;
}
