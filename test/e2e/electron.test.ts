import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../electron/seat/demo/seed';
import { electronBinary } from '../../scripts/electron-binary';
import { tempDir } from '../support/fixtures';

/**
 * The desktop app end to end, in a real Electron. Runs only where a binary exists: it cannot be downloaded
 * on the build machines (see STACK.md), and `require('electron')` would try to. There, better-sqlite3 must
 * also have been rebuilt for Electron's ABI (`npx electron-builder install-app-deps`).
 */
const REPO = fileURLToPath(new URL('../..', import.meta.url));

const binary = electronBinary(REPO);
if (binary === null) {
  console.warn(
    'skipped: no Electron binary (it cannot be downloaded here; set ELECTRON_OVERRIDE_DIST_PATH to run)',
  );
}

describe.skipIf(binary === null)('the desktop app (skipped: no Electron binary)', () => {
  let app: ElectronApplication;
  let page: Page;
  let userData: ReturnType<typeof tempDir>;

  beforeAll(async () => {
    userData = tempDir();
    // npm test has built out/renderer, out/electron/main.js and out/electron/preload.cjs (as npm start does).
    app = await _electron.launch({
      executablePath: binary ?? '',
      // A fresh profile: first start, so the demo branch is loaded into a new seat.db.
      args: [join(REPO, 'out/electron/main.js'), `--user-data-dir=${userData.dir}`],
    });
    page = await app.firstWindow();
    await page.waitForLoadState('domcontentloaded');
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    userData?.cleanup();
  });

  it('opens the seat window with its title', async () => {
    expect(await page.title()).toBe('回访坐席台');
    const title = await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]?.getTitle());
    expect(title).toBe('回访坐席台');
    expect(page.url()).toBe('app://seat/index.html');
  });

  it('exposes window.seat with exactly invoke and on, and no Node', async () => {
    expect(await page.evaluate('Object.keys(window.seat).sort()')).toEqual(['invoke', 'on']);
    expect(await page.evaluate('typeof require')).toBe('undefined');
    expect(await page.evaluate('typeof process')).toBe('undefined');
    expect(await page.evaluate('typeof module')).toBe('undefined');
  });

  it('refuses a method outside the contract in the preload', async () => {
    const refused = await page.evaluate(
      "window.seat.invoke('../evil', {}).then(() => 'sent', (e) => e instanceof TypeError ? 'refused' : String(e))",
    );
    expect(refused).toBe('refused');
  });

  it('logs a demo agent in and pushes session.changed with only the payload', async () => {
    const outcome = (await page.evaluate(`new Promise((resolve) => {
      const events = [];
      window.seat.on('session.changed', (...args) => events.push(args));
      window.seat.invoke('session.login', { agentCode: 'A001', password: ${JSON.stringify(DEMO_PASSWORD)} })
        .then((answer) => setTimeout(() => resolve({ answer, events }), 200));
    })`)) as { answer: { ok: boolean; value?: { agentCode: string } }; events: unknown[][] };
    expect(outcome.answer).toMatchObject({ ok: true, value: { agentCode: 'A001' } });
    expect(outcome.events).toEqual([[outcome.answer.value]]);
  });
});
