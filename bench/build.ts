import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildAll } from '../scripts/build';
import { SMOKE } from './report';

/**
 * The renderer (and the Electron entry points) built as `npm start` builds them, for the suites that show the
 * console in Chromium. A smoke run takes the build there is (`npm test` has just made it, and rebuilding would
 * empty out/renderer under the end-to-end tests running beside it) and builds only when there is none.
 */
export async function buildRenderer(): Promise<void> {
  if (SMOKE && existsSync(join(import.meta.dirname, '../out/renderer/index.html'))) return;
  await buildAll({ quiet: true });
}
