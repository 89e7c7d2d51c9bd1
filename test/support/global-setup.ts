import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openHqDb } from '../../hq/db/database';

/** A new PGlite data directory with head office's migrations applied; returns its path. */
async function makeTemplate(): Promise<string> {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'hq-pglite-template-')), 'pgdata');
  const db = await openHqDb({ dataDir });
  await db.close();
  return dataDir;
}

/**
 * Once per test run: a PGlite data directory with head office's migrations applied, which each fresh PGlite
 * test database starts as a copy of (test/support/hq-db.ts). PGlite's initdb runs in WASM and takes seconds;
 * a copy takes a fraction of that. The workers inherit the path through the environment. One given in
 * HQ_TEST_PGLITE_TEMPLATE is used as it is (scripts/clock-shift.sh makes one for all its runs).
 */
export default async function setup(): Promise<() => void> {
  const given = process.env.HQ_TEST_PGLITE_TEMPLATE;
  if (given && existsSync(given)) return () => {};
  const dataDir = await makeTemplate();
  process.env.HQ_TEST_PGLITE_TEMPLATE = dataDir;
  return () => rmSync(join(dataDir, '..'), { recursive: true, force: true });
}

// `node --import tsx test/support/global-setup.ts`: makes a template and prints its path.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${await makeTemplate()}\n`);
}
