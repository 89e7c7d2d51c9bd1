/**
 * Benchmarks cannot rot: every suite of `npm run bench` runs here at its smoke sizes (BENCH_SMOKE=1,
 * bench/report.ts), as a child process as `npm run bench` runs it, and must print its figures. The figures
 * are not judged (they mean nothing at these sizes); the real ones in bench/results must stay untouched.
 * The phone suite runs on the SIP rig in `unshare --net` (root, Kamailio, Chromium, SoX, as test:rig needs).
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';
import { SUITE_NAMES } from '../../bench/suites';

const REPO = resolve(import.meta.dirname, '../..');
const RESULTS = join(REPO, 'bench/results');

/** Every bench/results file and its contents. */
function results(): Record<string, string> {
  return Object.fromEntries(
    readdirSync(RESULTS)
      .filter((f) => f.endsWith('.jsonl'))
      .sort()
      .map((f) => [f, readFileSync(join(RESULTS, f), 'utf8')]),
  );
}

function runBenches(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts'], {
      cwd: REPO,
      env: { ...process.env, BENCH_SMOKE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

it('runs every bench suite at smoke sizes, printing its figures and keeping none', async () => {
  const before = results();
  const run = await runBenches();
  expect(run.code, `npm run bench failed:\n${run.stderr.slice(-4000)}`).toBe(0);

  const figures = run.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  for (const suite of SUITE_NAMES) {
    const mine = figures.filter((f) => f.suite === suite);
    expect(mine.length, `no figure of the ${suite} suite`).toBeGreaterThan(0);
    for (const f of mine) {
      expect(f.smoke, JSON.stringify(f)).toBe(true);
      for (const key of ['value', 'baseline', 'ratio'] as const) {
        expect(Number.isFinite(f[key]), `${key} of ${JSON.stringify(f)}`).toBe(true);
      }
    }
  }
  expect(results()).toEqual(before);
}, 600_000);
