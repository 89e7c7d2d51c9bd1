// Import-boundary check; the rules live in .dependency-cruiser.cjs.
//   npx tsx scripts/check-boundaries.ts [root]    (root defaults to the repo; exits 1 on any violation)
// Cruises only the top-level folders that exist under root, so a missing hq/ or renderer/ is fine.
// The boundary test imports checkBoundaries() and runs it on fixture mini repos with the same config.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cruise } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CONFIG = join(REPO, '.dependency-cruiser.cjs');
const FOLDERS = ['shared', 'electron', 'renderer', 'hq', 'test', 'bench', 'scripts'];

export type BoundaryResult = { ok: boolean; errors: number; output: string };

export async function checkBoundaries(root: string = REPO): Promise<BoundaryResult> {
  const present = FOLDERS.filter((f) => existsSync(join(root, f)));
  if (present.length === 0) return { ok: true, errors: 0, output: `nothing to check under ${root}\n` };
  const options = await extractDepcruiseOptions(CONFIG);
  const tsConfigFile = options.tsConfig?.fileName;
  const result = await cruise(
    present,
    { ...options, baseDir: root, outputType: 'err' },
    { bustTheCache: true },
    tsConfigFile === undefined ? {} : { tsConfig: extractTSConfig(tsConfigFile) },
  );
  const output = typeof result.output === 'string' ? result.output : JSON.stringify(result.output);
  return { ok: result.exitCode === 0, errors: result.exitCode, output };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const { ok, output } = await checkBoundaries(
    process.argv[2] === undefined ? REPO : resolve(process.argv[2]),
  );
  process.stdout.write(output);
  process.exitCode = ok ? 0 : 1;
}
