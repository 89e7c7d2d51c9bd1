import { z } from 'zod';
import poolsJson from '../../../assets/demo/pools.json' with { type: 'json' };
import { idCheckChar } from '../../../shared/domain/id-number';
import { addYears, dayFields } from './calendar';
import { type Rng, Weighted } from './random';

/**
 * Names, ID numbers and phone numbers that look like a real branch's customers: common surnames more often,
 * areas near the branch more often, real mobile prefixes, and ID numbers that pass every check a seat applies
 * (GB 11643 date, sex digit, check character). None of them belongs to a real person except by accident.
 */

const HanChars = z.string().regex(/^\p{Script=Han}+$/u);

const PoolsFile = z.object({
  branch: z.object({ id: z.string().min(1), name: z.string().min(1) }),
  surnames: z.array(
    z.object({ name: z.string().regex(/^\p{Script=Han}{1,2}$/u), weight: z.number().int().positive() }),
  ),
  givenNameChars: z.object({ male: HanChars, female: HanChars, neutral: HanChars }),
  areas: z.array(
    z.object({
      code: z.string().regex(/^[1-8]\d{5}$/),
      name: z.string(),
      weight: z.number().int().positive(),
    }),
  ),
  mobilePrefixes: z.array(z.string().regex(/^1[3-9]\d$/)).min(1),
});

export interface Pools {
  branchId: string;
  branchName: string;
  surnames: Weighted<string>;
  /** Characters for a man's and a woman's given name (each including the neutral ones). */
  givenChars: { male: readonly string[]; female: readonly string[] };
  areas: Weighted<string>;
  mobilePrefixes: readonly string[];
}

let cached: Pools | undefined;

/** The pools, parsed once: a malformed edit of the JSON fails loudly here rather than as odd demo data. */
export function loadPools(): Pools {
  if (cached) return cached;
  const file = PoolsFile.parse(poolsJson);
  cached = {
    branchId: file.branch.id,
    branchName: file.branch.name,
    surnames: new Weighted(file.surnames.map((s) => [s.name, s.weight] as const)),
    givenChars: {
      male: Array.from(file.givenNameChars.male + file.givenNameChars.neutral),
      female: Array.from(file.givenNameChars.female + file.givenNameChars.neutral),
    },
    areas: new Weighted(file.areas.map((a) => [a.code, a.weight] as const)),
    mobilePrefixes: file.mobilePrefixes,
  };
  return cached;
}

/**
 * Surname plus one or two given-name characters (2 to 4 characters in all; two-character given names dominate),
 * chosen to suit the person's sex so the agent's 先生/女士 matches the ID number.
 */
export function personName(rng: Rng, pools: Pools, male: boolean): string {
  const surname = pools.surnames.draw(rng);
  const chars = male ? pools.givenChars.male : pools.givenChars.female;
  const length = rng.chance(0.72) ? 2 : 1;
  let given = '';
  for (let i = 0; i < length; i++) given += rng.pick(chars);
  return surname + given;
}

/**
 * A birth day such that the person is `minAge`..`maxAge` years old on `today`. Two uniform draws averaged give
 * a hump in the middle years, as a brokerage's customer base has.
 */
export function birthDay(rng: Rng, today: number, minAge: number, maxAge: number): number {
  const latest = addYears(today, -minAge);
  const earliest = addYears(today, -(maxAge + 1)) + 1;
  return Math.round((rng.int(earliest, latest) + rng.int(earliest, latest)) / 2);
}

/** An 18-character ID number: area, birth date, a sequence whose last digit is odd for men, and the check char. */
export function idNumber(rng: Rng, pools: Pools, birth: number, male: boolean): string {
  const { year, month, date } = dayFields(birth);
  // 000 is not issued; women's sequences are even, men's odd.
  const sequence = male ? 2 * rng.int(0, 499) + 1 : 2 * rng.int(1, 499);
  const first17 =
    pools.areas.draw(rng) +
    String(year).padStart(4, '0') +
    String(month).padStart(2, '0') +
    String(date).padStart(2, '0') +
    String(sequence).padStart(3, '0');
  return first17 + idCheckChar(first17);
}

export function mobileNumber(rng: Rng, pools: Pools): string {
  return rng.pick(pools.mobilePrefixes) + String(rng.int(0, 99_999_999)).padStart(8, '0');
}

/** Draws until `make` yields a value not in `seen`, then records it: ID numbers and phones are unique. */
export function unique(seen: Set<string>, make: () => string): string {
  for (let tries = 0; tries < 1000; tries++) {
    const value = make();
    if (!seen.has(value)) {
      seen.add(value);
      return value;
    }
  }
  throw new Error('demo pools too small for the requested number of unique values');
}
