/**
 * `npm run bench -- <suite>…` runs the named suites (all when none is named). Each prints one JSON line per
 * figure and writes them to bench/results/<suite>.jsonl. With BENCH_SMOKE=1 every suite runs at tiny sizes
 * and only prints its figures, marked `"smoke": true` (bench/report.ts): `npm test` runs them so
 * (test/bench/smoke.test.ts), so that a bench that no longer runs fails the tests.
 */
import { rmSync } from 'node:fs';
import { TMP } from './history';
import { runPhoneBench } from './phone.bench';
import { runSecurityBench } from './security.bench';
import { runShellBench } from './shell.bench';
import { runStoreBench } from './store.bench';
import { SUITE_NAMES, type SuiteName } from './suites';
import { runSupervisorBench } from './supervisor.bench';
import { runSyncBench } from './sync.bench';

const SUITES: Record<SuiteName, () => Promise<void>> = {
  store: runStoreBench,
  shell: runShellBench,
  phone: runPhoneBench,
  sync: runSyncBench,
  supervisor: runSupervisorBench,
  security: runSecurityBench,
};

const isSuite = (name: string): name is SuiteName => (SUITE_NAMES as readonly string[]).includes(name);
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((s) => !isSuite(s));
if (unknown.length > 0) {
  console.error(`unknown suite(s): ${unknown.join(', ')}; known: ${SUITE_NAMES.join(', ')}`);
  process.exit(2);
}
try {
  for (const name of wanted.length > 0 ? wanted.filter(isSuite) : SUITE_NAMES) {
    const started = performance.now();
    await SUITES[name]();
    console.error(`bench: ${name} took ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
} finally {
  // The history database and its copies are large; BENCH_KEEP=1 keeps them for a look afterwards.
  if (!process.env.BENCH_KEEP) rmSync(TMP, { recursive: true, force: true });
}
