import { type LocalDate, laterDate, type QuarterKey, quartersBetween } from './calendar';

/**
 * Satisfaction sampling and the quarterly cap (Article 4.3: "在客户抽样方面，每季度对同一客户回访次数不应超过两次").
 * Sampling is a pure function of the campaign and the customer, so a re-run (or a second head-office process)
 * draws the same customers, and a customer's chance does not depend on who else is in the file.
 */

/** cyrb53: a fast 53-bit string hash with good avalanche; not cryptographic, only needs to spread evenly. */
function hash53(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** The customer's draw in a campaign, uniform in [0, 1). */
export function sampleScore(campaignId: string, customerId: string): number {
  return hash53(`${campaignId}\u0000${customerId}`) / 2 ** 53;
}

/** Sampled when the draw is below the rate: rate 0 samples nobody, rate 1 everybody. */
export function isSampled(campaignId: string, customerId: string, rate: number): boolean {
  return sampleScore(campaignId, customerId) < rate;
}

/**
 * The quarters a call may fall in: from the first day it may be made (today, or a campaign's first day when
 * that is later) to its deadline's date. A call planned across a quarter boundary counts in both, since nobody
 * knows yet on which side it will be made; that is the reading that can never let a quarter exceed the cap.
 */
export function callQuarters(from: LocalDate, deadlineDate: LocalDate): QuarterKey[] {
  return quartersBetween(from, laterDate(deadlineDate, from));
}

/**
 * The first quarter in which one more call would exceed the cap, or null when the call fits.
 * `count(q)`: callbacks already made or planned for the customer in quarter q.
 */
export function quarterOverCap(
  quarters: readonly QuarterKey[],
  count: (quarter: QuarterKey) => number,
  cap: number,
): QuarterKey | null {
  for (const q of quarters) if (count(q) + 1 > cap) return q;
  return null;
}
