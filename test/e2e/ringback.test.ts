/**
 * The ringback tone, rendered for real by Chromium's Web Audio (an OfflineAudioContext renders 6 s at once):
 * 450 Hz for 1 s, silence for 4 s, and again.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium';

const ENTRY = `
import { startRingback } from './renderer/phone/ringback';
const rate = 48000;
const ctx = new OfflineAudioContext(1, rate * 6, rate);
startRingback(ctx, 45);
ctx.startRendering().then((buffer) => {
  const data = buffer.getChannelData(0);
  const windows = [];
  for (let w = 0; w < 12; w++) {
    let sum = 0;
    let crossings = 0;
    const from = w * rate / 2;
    for (let i = from; i < from + rate / 2; i++) {
      sum += data[i] * data[i];
      if (i > from && data[i - 1] < 0 && data[i] >= 0) crossings++;
    }
    windows.push({ rms: Math.sqrt(sum / (rate / 2)), hz: crossings * 2 });
  }
  window.__ringback = windows;
});
`;

describe('the ringback tone', () => {
  let dir: string;
  let browser: Browser;
  let server: ReturnType<typeof createServer>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ringback-'));
    await build({
      stdin: { contents: ENTRY, resolveDir: resolve(import.meta.dirname, '../..'), loader: 'ts' },
      bundle: true,
      outfile: join(dir, 'app.js'),
      format: 'esm',
      logLevel: 'error',
    });
    writeFileSync(join(dir, 'index.html'), '<!doctype html><script type="module" src="/app.js"></script>');
    server = createServer((req, res) => {
      const file = req.url === '/app.js' ? 'app.js' : 'index.html';
      res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'text/html' });
      res.end(readFileSync(join(dir, file)));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('plays 450 Hz for the first second of every five, silence between', async () => {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.waitForFunction(
      () => (globalThis as unknown as { __ringback?: unknown }).__ringback !== undefined,
    );
    const windows = (await page.evaluate(
      () => (globalThis as unknown as { __ringback: unknown }).__ringback,
    )) as {
      rms: number;
      hz: number;
    }[];
    const on = [0, 1, 10, 11]; // half-second windows: 0–1 s and 5–6 s
    windows.forEach((w, i) => {
      if (on.includes(i)) {
        expect(w.rms, `window ${i}`).toBeGreaterThan(0.04);
        expect(Math.abs(w.hz - 450), `window ${i}`).toBeLessThanOrEqual(4);
      } else {
        expect(w.rms, `window ${i}`).toBeLessThan(0.001);
      }
    });
  });
});
