import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The renderer build: `renderer/` → `out/renderer`, loaded by Electron (app://seat) and the web host alike. */
export default defineConfig({
  root: fileURLToPath(new URL('./renderer', import.meta.url)),
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./out/renderer', import.meta.url)),
    emptyOutDir: true,
    // No inline scripts: the CSP allows script-src 'self' only.
    modulePreload: { polyfill: false },
    sourcemap: true,
    target: 'chrome120',
    // One local bundle (React, sip.js, zod), loaded from disk or loopback: no point splitting it.
    chunkSizeWarningLimit: 1500,
  },
});
