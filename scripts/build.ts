/**
 * `npm run build`: the renderer (Vite → out/renderer) and the Electron entry points (esbuild →
 * out/electron: main.js as ESM for Node, preload.cjs as one self-contained script, as a sandboxed preload
 * must be). `npm start` runs this first.
 */
import { build as esbuild } from 'esbuild';
import { build as vite } from 'vite';

export async function buildAll(options: { quiet?: boolean } = {}): Promise<void> {
  await vite({ configFile: 'vite.config.ts', logLevel: options.quiet ? 'warn' : 'info' });
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
  } as const;
  await esbuild({
    ...common,
    entryPoints: ['electron/main.ts'],
    outfile: 'out/electron/main.js',
    format: 'esm',
    // Native and Electron modules load at run time, from the app's own node_modules.
    external: ['electron', 'better-sqlite3'],
  });
  await esbuild({
    ...common,
    entryPoints: ['electron/preload.ts'],
    outfile: 'out/electron/preload.cjs',
    format: 'cjs',
    external: ['electron'],
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await buildAll();
