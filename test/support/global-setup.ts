import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openHqDb } from '../../hq/db/database';

/**
 * Once per test run: a PGlite data directory with head office's migrations applied, which each fresh PGlite
 * test database starts as a copy of (test/support/hq-db.ts). PGlite's initdb runs in WASM and takes seconds;
 * a copy takes a fraction of that. The workers inherit the path through the environment.
 */
export default async function setup(): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), 'hq-pglite-template-'));
  const dataDir = join(dir, 'pgdata');
  const db = await openHqDb({ dataDir });
  await db.close();
  process.env.HQ_TEST_PGLITE_TEMPLATE = dataDir;
  return () => rmSync(dir, { recursive: true, force: true });
}
