import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { en } from '../../renderer/i18n/en';
import { zhCN } from '../../renderer/i18n/zh-CN';
import { AttemptOutcome, Disposition, ERROR_CODES, ResultOutcome } from '../../shared/contract';
import { CALLBACK_TYPES } from '../../shared/domain/callback-types';

/** Every leaf key as `a.b.c`. */
function keys(tree: object, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([k, v]) =>
    typeof v === 'string' ? [`${prefix}${k}`] : keys(v as object, `${prefix}${k}.`),
  );
}

const lookup = (tree: object, key: string): unknown =>
  key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], tree);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

describe('translations', () => {
  it('Chinese and English have exactly the same keys, none empty', () => {
    expect(keys(en).sort()).toEqual(keys(zhCN).sort());
    for (const key of keys(zhCN)) {
      expect(String(lookup(zhCN, key)).trim(), `zh-CN ${key}`).not.toBe('');
      expect(String(lookup(en, key)).trim(), `en ${key}`).not.toBe('');
    }
  });

  it('every literal key the renderer uses exists', () => {
    const used = new Set<string>();
    for (const file of sources(join(import.meta.dirname, '../../renderer'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\bt\(\s*'([a-zA-Z_.]+)'/g))
        used.add(m[1] as string);
    }
    expect(used.size).toBeGreaterThan(40);
    const missing = [...used].filter((k) => typeof lookup(zhCN, k) !== 'string');
    expect(missing).toEqual([]);
  });

  it('every code the contract can send has a text: callback types, error codes, outcomes, dispositions', () => {
    const expected = [
      ...CALLBACK_TYPES.map((c) => `callbackType.${c}`),
      ...ERROR_CODES.map((c) => `errors.${c}`),
      ...AttemptOutcome.options.map((c) => `attemptOutcome.${c}`),
      ...ResultOutcome.options.map((c) => `resultOutcome.${c}`),
      ...Disposition.options.map((c) => `disposition.${c}`),
    ];
    for (const key of expected) {
      expect(typeof lookup(zhCN, key), key).toBe('string');
      expect(typeof lookup(en, key), key).toBe('string');
    }
  });
});
