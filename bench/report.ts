import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One measured figure: ours against a baseline measured in the same run, in the same unit. */
export interface Figure {
  suite: string;
  name: string;
  unit: string;
  value: number;
  baseline: number;
  /** Always ours ÷ baseline. */
  ratio: number;
  n: number;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

export function figure(
  suite: string,
  name: string,
  unit: string,
  value: number,
  baseline: number,
  n: number,
): Figure {
  return {
    suite,
    name,
    unit,
    value: round(value),
    baseline: round(baseline),
    ratio: round(value / baseline),
    n,
  };
}

/** The q-quantile (0..1) of samples, nearest-rank. */
export function quantile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'results');

/** Prints one JSON line per figure and writes the same lines to `bench/results/<suite>.jsonl`. */
export function report(suite: string, figures: Figure[]): void {
  const lines = figures.map((f) => JSON.stringify(f));
  for (const line of lines) console.log(line);
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, `${suite}.jsonl`), `${lines.join('\n')}\n`);
}

/** Milliseconds of one synchronous call. */
export function timeMs(fn: () => unknown): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}
