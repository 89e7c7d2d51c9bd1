/**
 * `npm run bench -- <suite>…` runs the named suites (all when none is named). Each prints one JSON line per
 * figure and writes them to bench/results/<suite>.jsonl.
 */
import { rmSync } from 'node:fs';
import { TMP } from './history';
import { runPhoneBench } from './phone.bench';
import { runShellBench } from './shell.bench';
import { runStoreBench } from './store.bench';
import { runSupervisorBench } from './supervisor.bench';
import { runSyncBench } from './sync.bench';

const SUITES: Record<string, () => Promise<void>> = {
  store: runStoreBench,
  shell: runShellBench,
  phone: runPhoneBench,
  sync: runSyncBench,
  supervisor: runSupervisorBench,
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((s) => !(s in SUITES));
if (unknown.length > 0) {
  console.error(`unknown suite(s): ${unknown.join(', ')}; known: ${Object.keys(SUITES).join(', ')}`);
  process.exit(2);
}
try {
  for (const name of wanted.length > 0 ? wanted : Object.keys(SUITES)) await SUITES[name]?.();
} finally {
  // The history database and its copies are large; BENCH_KEEP=1 keeps them for a look afterwards.
  if (!process.env.BENCH_KEEP) rmSync(TMP, { recursive: true, force: true });
}
