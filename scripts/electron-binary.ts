import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The Electron executable when one is on this machine, else null. Never triggers the download that a plain
 * `require('electron')` starts: `ELECTRON_OVERRIDE_DIST_PATH` (an existing install), or the binary the
 * electron package recorded in `path.txt` after a successful download elsewhere.
 */
export function electronBinary(root = process.cwd()): string | null {
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const exe = join(override, process.platform === 'win32' ? 'electron.exe' : 'electron');
    return existsSync(exe) ? exe : null;
  }
  const pkg = join(root, 'node_modules', 'electron');
  const pathTxt = join(pkg, 'path.txt');
  if (!existsSync(pathTxt)) return null;
  const exe = join(pkg, 'dist', readFileSync(pathTxt, 'utf8').trim());
  return existsSync(exe) ? exe : null;
}
