import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

/**
 * The demo generator's only source of chance. Everything drawn goes through one seeded xoroshiro128+ in a
 * fixed order, so the same seed (and the same `now`) rebuilds the same branch byte for byte; nothing here may
 * touch `Math.random`, the clock or `crypto`.
 */
export class Rng {
  readonly #gen: RandomGenerator;

  constructor(seed: number) {
    this.#gen = xoroshiro128plus(seed);
  }

  /** Integer in [from, to], both included. */
  int(from: number, to: number): number {
    return uniformInt(this.#gen, from, to);
  }

  /** True with probability `p` (resolution 1e-6, plenty for demo proportions). */
  chance(p: number): boolean {
    return this.int(0, 999_999) < p * 1_000_000;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.int(0, items.length - 1)] as T;
  }

  /** Fisher–Yates on a copy. */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }

  /** A UUID in the version-4 layout, so `z.uuid()` accepts it, yet reproducible from the seed. */
  uuid(): string {
    let hex = '';
    for (let i = 0; i < 4; i++) hex += this.int(0, 0xffff_ffff).toString(16).padStart(8, '0');
    const variant = (8 + this.int(0, 3)).toString(16);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }
}

/**
 * Draws from a fixed weighted list by binary search over cumulative weights: the customer loop draws names and
 * areas thousands of times, so the table is built once.
 */
export class Weighted<T> {
  readonly #items: readonly T[];
  readonly #cumulative: number[] = [];

  constructor(entries: readonly (readonly [T, number])[]) {
    if (entries.length === 0) throw new RangeError('no entries');
    this.#items = entries.map(([item]) => item);
    let total = 0;
    for (const [, weight] of entries) {
      if (!Number.isInteger(weight) || weight <= 0) throw new RangeError('weights must be positive integers');
      total += weight;
      this.#cumulative.push(total);
    }
  }

  draw(rng: Rng): T {
    const total = this.#cumulative[this.#cumulative.length - 1] as number;
    const x = rng.int(0, total - 1);
    let lo = 0;
    let hi = this.#cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.#cumulative[mid] as number) > x) hi = mid;
      else lo = mid + 1;
    }
    return this.#items[lo] as T;
  }
}
