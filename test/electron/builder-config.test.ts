import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config';
import { DebugLogger } from 'builder-util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../support/fixtures';

/**
 * electron-builder.yml checked offline with electron-builder's own loader and JSON-schema validation (a real
 * build needs the Electron zip from the internet). This is what `electron-builder` runs before building.
 */
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const CONFIG = fileURLToPath(new URL('../../electron-builder.yml', import.meta.url));

const load = (projectDir: string, file: string) => getConfig(projectDir, file, null);
const validate = async (projectDir: string, file: string) =>
  validateConfiguration(await load(projectDir, file), new DebugLogger(false));

describe('electron-builder.yml', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  it('passes electron-builder’s validation', async () => {
    await expect(validate(REPO, CONFIG)).resolves.toBeUndefined();
  });

  it.each([
    ['an unknown top-level key', 'installerFlavour: extra-crispy\n', /unknown property 'installerFlavour'/],
    ['a wrongly typed option', 'compression: fastest\n', /compression/],
  ])('fails validation with %s (so the check is not vacuous)', async (_name, extra, message) => {
    const broken = tmp.file('electron-builder.yml');
    writeFileSync(broken, `${readFileSync(CONFIG, 'utf8')}\n${extra}`);
    await expect(validate(tmp.dir, broken)).rejects.toThrow(message);
  });

  it('flips the Electron fuses: no RunAsNode, NODE_OPTIONS or --inspect; ASAR only and checked; cookies encrypted', async () => {
    const config = await load(REPO, CONFIG);
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('fails validation with a fuse electron-builder does not know (so the names above are real ones)', async () => {
    const broken = tmp.file('electron-builder.yml');
    writeFileSync(broken, readFileSync(CONFIG, 'utf8').replace('  runAsNode: false', '  runAsNodes: false'));
    await expect(validate(tmp.dir, broken)).rejects.toThrow(/configuration\.electronFuses/);
  });

  it('builds NSIS for Windows and AppImage + deb for Linux', async () => {
    const config = await load(REPO, CONFIG);
    const targets = (list: unknown) =>
      (Array.isArray(list) ? list : [list]).map((t) =>
        typeof t === 'string' ? t : (t as { target: string }).target,
      );
    expect(targets(config.win?.target)).toEqual(['nsis']);
    expect(targets(config.linux?.target).sort()).toEqual(['AppImage', 'deb']);
  });

  it('keeps better-sqlite3 outside the asar, where a native module can be loaded', async () => {
    const config = await load(REPO, CONFIG);
    const unpacked = [config.asarUnpack ?? []].flat();
    expect(unpacked.some((p) => p.includes('better-sqlite3'))).toBe(true);
  });

  it('starts the bundled main process and keeps electron-builder’s default deb dependencies', async () => {
    const config = await load(REPO, CONFIG);
    // package.json's main is the bundled main process (scripts/build.ts), which the packaged app starts.
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      main?: string;
    };
    expect(pkg.main).toBe('out/electron/main.js');
    expect(config.deb?.depends).toEqual(expect.arrayContaining(['libgtk-3-0', 'libnss3', 'libasound2']));
  });
});
