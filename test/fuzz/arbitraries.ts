/**
 * What the fuzz tests send: values shaped by a zod schema (so most get past validation and reach the code
 * behind it), each part now and then swapped for something hostile (wrong types, 2^31, -1, NaN, dates of year
 * 0 or +275757, NUL and control characters, `__proto__` keys, very long strings, arrays for objects).
 */
import fc from 'fast-check';
import type { z } from 'zod';

/** A CJK ideograph: what a Chinese message has at least one of. */
export const CJK = /[\u3400-\u4dbf\u4e00-\u9fff]/;

/** The seed of every property (fixed, so a run repeats; `FUZZ_SEED` tries another). */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20_261_126);

/** Inputs per run and property, scaled by `FUZZ_SCALE` (e.g. 10 for a long local run). */
export const runs = (n: number) => Math.max(1, Math.round(n * Number(process.env.FUZZ_SCALE ?? 1)));

/** What the generators may pick besides random values: ids, codes and URLs that exist in the scene. */
export interface Pools {
  ids: string[];
  strings: string[];
  urls: string[];
}

const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\u0001\u0002\u001b[31m\u007f',
  '\r\n\r\nHTTP/1.1 200 OK',
  '0000-12-31T00:00:00Z',
  '0000-12-31',
  '+275757-01-01T00:00:00Z',
  '275757-01-01T00:00:00.000Z',
  '-000001-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999Z',
  '2026-02-30T00:00:00Z',
  '2026-13-01T00:00:00+08:00',
  '2026-11-26T02:00:00.000Z',
  '2026-11-26T10:00:00+14:00',
  '1899-12-31T23:59:59Z',
  '2026-11',
  '2026-Q5',
  'NaN',
  'Infinity',
  '-Infinity',
  '-1',
  '-0',
  '0',
  '2147483647',
  '2147483648',
  '-2147483649',
  '4294967296',
  '9007199254740993',
  '1e309',
  '0x7fffffff',
  '1_000',
  'true',
  'null',
  'undefined',
  '{}',
  '[]',
  '__proto__',
  'constructor',
  'prototype',
  "' OR '1'='1",
  "'); DROP TABLE results; --",
  '../../../../etc/passwd',
  '..\\..\\windows',
  '%00',
  '%',
  '%zz',
  '%E4%B8',
  '\uD800',
  '\uDFFF\uD800',
  '😀👨‍👩‍👧',
  '客户',
  '<script>alert(1)</script>',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template injection, on purpose
  '${7*7}',
  'x'.repeat(101),
  'x'.repeat(5000),
  '中'.repeat(3000),
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '0190c4d2-7e5c-7000-8000-00000000000g',
];

const HOSTILE_NUMBERS = [
  2 ** 31,
  2 ** 31 - 1,
  -(2 ** 31) - 1,
  2 ** 32,
  2 ** 53,
  2 ** 53 + 2,
  2 ** 63,
  -1,
  0,
  -0,
  0.5,
  1e-300,
  1e21,
  1e308,
  -1e308,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
];

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...HOSTILE_STRINGS), weight: 5 },
  { arbitrary: fc.string({ maxLength: 30 }), weight: 1 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }), weight: 1 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 30 }), weight: 1 },
  { arbitrary: fc.uuid(), weight: 1 },
);

export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  { arbitrary: fc.constantFrom(...HOSTILE_NUMBERS), weight: 4 },
  { arbitrary: fc.integer(), weight: 1 },
  { arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }), weight: 1 },
);

/**
 * Values a JSON body can carry, hostile ones first. With `structured`, also what an IPC structured clone can
 * carry besides (NaN, ±Infinity, undefined, bigints, dates): the seat's contract is called with those too.
 */
export function hostileValue(structured = false): fc.Arbitrary<unknown> {
  const leaf: fc.Arbitrary<unknown> = fc.oneof(
    { arbitrary: hostileString, weight: 4 },
    { arbitrary: hostileNumber, weight: 3 },
    { arbitrary: fc.boolean(), weight: 1 },
    { arbitrary: fc.constant(null), weight: 1 },
    ...(structured
      ? [
          {
            arbitrary: fc.constantFrom<unknown>(
              Number.NaN,
              Number.POSITIVE_INFINITY,
              Number.NEGATIVE_INFINITY,
              undefined,
              2n ** 64n,
              new Date(Number.NaN),
              new Date(8.64e15),
            ),
            weight: 2,
          },
        ]
      : []),
  );
  const { value } = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', maxDepth: 3 },
      { arbitrary: leaf, weight: 6 },
      { arbitrary: fc.array(tie('value'), { maxLength: 4 }), weight: 1 },
      { arbitrary: hostileObject(tie('value')), weight: 1 },
    ),
  }));
  return value;
}

/** An object with odd keys: `__proto__` and `constructor` as own properties (as JSON.parse makes them). */
function hostileObject(value: fc.Arbitrary<unknown>): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .array(
      fc.tuple(
        fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', '', 'a'), hostileString),
        value,
      ),
      {
        maxLength: 3,
      },
    )
    .map((pairs) => {
      const o: Record<string, unknown> = {};
      for (const [k, v] of pairs)
        Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
      return o;
    });
}

/** The parts of zod's internals the generators read (zod 4). */
interface Def {
  type: string;
  format?: string;
  coerce?: boolean;
  checks?: { _zod: { def: Record<string, unknown> } }[];
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  options?: z.ZodType[];
  element?: z.ZodType;
  entries?: Record<string, string | number>;
  values?: unknown[];
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  getter?: () => z.ZodType;
  left?: z.ZodType;
  right?: z.ZodType;
  items?: z.ZodType[];
}
const defOf = (s: z.ZodType) => (s as unknown as { _zod: { def: Def } })._zod.def;

function checks(def: Def) {
  return (def.checks ?? []).map((c) => c._zod.def);
}

/** An ISO instant near today, at the edges of the stores' ranges, or with an offset. */
const instant: fc.Arbitrary<string> = fc.oneof(
  {
    arbitrary: fc
      .integer({ min: Date.now() - 400 * 86_400_000, max: Date.now() + 400 * 86_400_000 })
      .map((ms) => new Date(ms).toISOString()),
    weight: 6,
  },
  {
    arbitrary: fc
      .integer({ min: Date.now() - 40 * 86_400_000, max: Date.now() + 40 * 86_400_000 })
      .map((ms) => `${new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19)}+08:00`),
    weight: 2,
  },
  {
    arbitrary: fc.constantFrom(
      '1900-01-01T00:00:00Z',
      '2999-12-31T23:59:59.999Z',
      '1970-01-01T00:00:00Z',
      '2038-01-19T03:14:08Z',
    ),
    weight: 1,
  },
);

function stringArb(def: Def, pools: Pools): fc.Arbitrary<string> {
  const all = checks(def);
  const max = all.find((c) => c.check === 'max_length')?.maximum as number | undefined;
  const min = all.find((c) => c.check === 'min_length')?.minimum as number | undefined;
  const pattern = all.find((c) => c.check === 'string_format' && c.format === 'regex')?.pattern as
    | RegExp
    | undefined;
  switch (def.format) {
    case 'uuid':
    case 'guid':
      return fc.oneof(
        { arbitrary: fc.constantFrom(...pools.ids), weight: 4 },
        { arbitrary: fc.uuid({ version: [4, 7] }), weight: 1 },
      );
    case 'datetime':
      return instant;
    case 'url':
      return fc.constantFrom(...pools.urls);
    case undefined:
      break;
    default:
      if (def.format !== 'regex') throw new Error(`no generator for zod string format ${def.format}`);
  }
  const fromPattern = pattern ? fc.stringMatching(pattern) : null;
  const text = fc.string({ unit: 'grapheme', minLength: min ?? 0, maxLength: Math.min(max ?? 40, 60) });
  return fc.oneof(
    { arbitrary: fromPattern ?? text, weight: 3 },
    { arbitrary: fc.constantFrom(...pools.strings), weight: 3 },
    { arbitrary: text, weight: 1 },
  );
}

function numberArb(def: Def): fc.Arbitrary<number> {
  const all = checks(def);
  const int = def.format === 'safeint' || all.some((c) => c.check === 'number_format');
  const lo = all.find((c) => c.check === 'greater_than')?.value as number | undefined;
  const hi = all.find((c) => c.check === 'less_than')?.value as number | undefined;
  const min = Math.max(lo ?? -1000, -1e7);
  const max = Math.min(hi ?? 1000, 1e7);
  const edges = [lo, hi, (lo ?? 0) - 1, (hi ?? 0) + 1].filter((n): n is number => n !== undefined);
  const inRange = int
    ? fc.integer({ min: Math.ceil(min), max: Math.max(Math.ceil(min), Math.floor(max)) })
    : fc.double({ min, max, noNaN: true });
  return fc.oneof(
    { arbitrary: inRange, weight: 4 },
    { arbitrary: fc.constantFrom(...edges, 0, 1), weight: 1 },
  );
}

/**
 * Values for `schema`: most valid-shaped, every part now and then hostile (`mutate` 0 for valid shapes only).
 * Throws for a zod type it has no generator for, so a route or method that uses a new kind of schema fails
 * the fuzz test until one is added here.
 */
export function fromSchema(
  schema: z.ZodType,
  pools: Pools,
  opts: { mutate?: number; structured?: boolean } = {},
): fc.Arbitrary<unknown> {
  const mutate = opts.mutate ?? 1;
  const hostile = hostileValue(opts.structured);
  const rarely = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | null> =>
    mutate > 0
      ? fc.oneof({ arbitrary: fc.constant(null), weight: 10 }, { arbitrary: arb, weight: mutate })
      : fc.constant(null);
  const gen = (s: z.ZodType, depth: number): fc.Arbitrary<unknown> => {
    const valid = shaped(s, depth);
    return mutate > 0
      ? fc.oneof({ arbitrary: valid, weight: 12 }, { arbitrary: hostile, weight: mutate })
      : valid;
  };
  const shaped = (s: z.ZodType, depth: number): fc.Arbitrary<unknown> => {
    const def = defOf(s);
    switch (def.type) {
      case 'string':
        return stringArb(def, pools);
      case 'number':
        return numberArb(def);
      case 'boolean':
        return fc.boolean();
      case 'null':
        return fc.constant(null);
      case 'undefined':
        return fc.constant(undefined);
      case 'unknown':
      case 'any':
        return hostile;
      case 'literal':
        return fc.constantFrom(...(def.values as unknown[]));
      case 'enum':
        return fc.constantFrom(...Object.values(def.entries ?? {}));
      case 'optional':
        return fc.oneof(
          { arbitrary: fc.constant(undefined), weight: 2 },
          { arbitrary: gen(def.innerType as z.ZodType, depth), weight: 3 },
        );
      case 'default':
      case 'prefault':
        return fc.oneof(
          { arbitrary: fc.constant(undefined), weight: 1 },
          { arbitrary: gen(def.innerType as z.ZodType, depth), weight: 3 },
        );
      case 'nullable':
        return fc.oneof(
          { arbitrary: fc.constant(null), weight: 1 },
          { arbitrary: gen(def.innerType as z.ZodType, depth), weight: 3 },
        );
      case 'readonly':
      case 'catch':
      case 'nonoptional':
        return shaped(def.innerType as z.ZodType, depth);
      case 'pipe':
        return shaped(def.in as z.ZodType, depth);
      case 'lazy':
        return shaped((def.getter as () => z.ZodType)(), depth);
      case 'union':
        return fc.oneof(...(def.options ?? []).map((o) => shaped(o, depth)));
      case 'intersection':
        return fc
          .tuple(shaped(def.left as z.ZodType, depth), shaped(def.right as z.ZodType, depth))
          .map(([a, b]) => (typeof a === 'object' && typeof b === 'object' ? { ...a, ...b } : a));
      case 'array':
        return depth > 4
          ? fc.constant([])
          : fc.array(gen(def.element as z.ZodType, depth + 1), { maxLength: depth > 1 ? 3 : 6 });
      case 'tuple':
        return fc.tuple(...(def.items ?? []).map((i) => gen(i, depth + 1)));
      case 'record':
        return fc
          .array(
            fc.tuple(
              fc.oneof(fc.constantFrom(...pools.strings), hostileString),
              gen(def.valueType as z.ZodType, depth + 1),
            ),
            {
              maxLength: 3,
            },
          )
          .map((pairs) => Object.fromEntries(pairs));
      case 'object': {
        const shape = def.shape ?? {};
        const keys = Object.keys(shape);
        const model = Object.fromEntries(keys.map((k) => [k, gen(shape[k] as z.ZodType, depth + 1)]));
        return fc
          .tuple(
            fc.record(model),
            // Now and then (when mutating) a key left out, or one the schema does not know (`__proto__` too).
            rarely(fc.constantFrom(...(keys.length > 0 ? keys : ['-']))),
            rarely(fc.tuple(fc.constantFrom('__proto__', 'constructor', 'extra', ''), hostile)),
          )
          .map(([o, drop, extra]) => {
            const out: Record<string, unknown> = {};
            for (const [k, v] of Object.entries(o)) if (k !== drop && v !== undefined) out[k] = v;
            if (extra) {
              Object.defineProperty(out, extra[0], {
                value: extra[1],
                enumerable: true,
                writable: true,
                configurable: true,
              });
            }
            return out;
          });
      }
      default:
        throw new Error(`no generator for zod type ${def.type}`);
    }
  };
  return gen(schema, 0);
}

/** What a fuzz test sends for `schema`: valid-shaped half the time, mutated or wholly hostile otherwise. */
export function argsFor(schema: z.ZodType, pools: Pools, structured = false): fc.Arbitrary<unknown> {
  return fc.oneof(
    { arbitrary: fromSchema(schema, pools, { mutate: 0, structured }), weight: 5 },
    { arbitrary: fromSchema(schema, pools, { mutate: 1, structured }), weight: 4 },
    { arbitrary: hostileValue(structured), weight: 1 },
  );
}

/** A short description of a value for a failure report (long strings cut). */
export function brief(value: unknown): string {
  const text = JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'bigint') return `${v}n`;
    if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
    if (v === undefined) return '(undefined)';
    if (typeof v === 'string' && v.length > 120) return `${v.slice(0, 60)}…(${v.length} chars)`;
    return v;
  });
  return text === undefined ? String(value) : text.length > 1500 ? `${text.slice(0, 1500)}…` : text;
}
