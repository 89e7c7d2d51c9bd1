import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { build } from 'esbuild';

const HERE = new URL('.', import.meta.url).pathname;
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
};

export interface RigPages {
  /** http://127.0.0.1:PORT/customer-phone/ */
  customerUrl: string;
  /** http://127.0.0.1:PORT/bare-caller/ */
  callerUrl: string;
  /** The folder served (bundles and the fake microphone WAV). */
  dir: string;
  /** 440 Hz mono 48 kHz WAV (30 s) for `--use-file-for-fake-audio-capture`. */
  toneWav: string;
  close(): Promise<void>;
}

/**
 * Bundles the customer phone and the bare caller with esbuild into a temporary folder, makes the caller's
 * fake-microphone tone with sox, and serves the folder on 127.0.0.1 (a secure context for getUserMedia).
 */
export async function startPages(): Promise<RigPages> {
  const dir = mkdtempSync(join(tmpdir(), 'rig-pages-'));
  await build({
    entryPoints: {
      'customer-phone/phone': join(HERE, 'customer-phone/phone.mts'),
      'bare-caller/caller': join(HERE, 'bare-caller/caller.mts'),
    },
    outdir: dir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    sourcemap: 'linked',
    logLevel: 'error',
  });
  for (const page of ['customer-phone', 'bare-caller']) {
    mkdirSync(join(dir, page), { recursive: true });
    copyFileSync(join(HERE, page, 'index.html'), join(dir, page, 'index.html'));
  }
  const toneWav = join(dir, 'tone440.wav');
  execFileSync('sox', ['-n', '-r', '48000', '-c', '1', toneWav, 'synth', '30', 'sine', '440', 'vol', '0.5']);

  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    const file = normalize(join(dir, path.endsWith('/') ? `${path}index.html` : path));
    if (!file.startsWith(dir + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = readFileSync(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  return {
    customerUrl: `${base}/customer-phone/`,
    callerUrl: `${base}/bare-caller/`,
    dir,
    toneWav,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Chromium flags for the rig: fake media, loopback WebRTC, autoplay, no background throttling. */
export function rigChromiumArgs(fakeMicrophoneWav: string): string[] {
  return [
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-audio-capture=${fakeMicrophoneWav}`,
    '--allow-loopback-in-peer-connection',
    '--autoplay-policy=no-user-gesture-required',
    '--disable-background-timer-throttling',
    '--disable-renderer-backgrounding',
    '--disable-backgrounding-occluded-windows',
  ];
}
