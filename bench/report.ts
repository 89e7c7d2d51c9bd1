import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `BENCH_SMOKE=1`: every suite runs at tiny sizes, in seconds, to prove it still runs (`npm test` does this,
 * test/bench/smoke.test.ts). Its figures mean nothing: they are printed marked `"smoke": true`, never written to
 * bench/results, and no target is judged on them. Sanity checks (a wrong count) still throw.
 */
export const SMOKE = process.env.BENCH_SMOKE === '1';

/** A suite's size: `full` in a real run, `smoke` under BENCH_SMOKE=1. */
export function size(full: number, smoke: number): number {
  return SMOKE ? smoke : full;
}

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
  /** Set on the figures of a smoke run (BENCH_SMOKE=1), which are not kept. */
  smoke?: true;
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

/**
 * Prints one JSON line per figure and writes the same lines to `bench/results/<suite>.jsonl`, which
 * docs/performance.md cites. A smoke run only prints them, each marked `"smoke": true`.
 */
export function report(suite: string, figures: Figure[]): void {
  const lines = figures.map((f) => JSON.stringify(SMOKE ? { ...f, smoke: true } : f));
  for (const line of lines) console.log(line);
  if (SMOKE) return;
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, `${suite}.jsonl`), `${lines.join('\n')}\n`);
}

/** Milliseconds of one synchronous call. */
export function timeMs(fn: () => unknown): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}
