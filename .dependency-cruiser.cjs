// Import boundaries of the callback console. Run through `tsx scripts/check-boundaries.ts [root]`
// (it passes only the top-level folders that exist). Paths below are relative to the folder the
// check runs in, so the same rules apply to the repo and to test/boundary/fixtures/* mini repos.
const path = require('node:path');

/** Impure / runtime-bound npm packages that shared/ must never pull in. */
const IMPURE_PACKAGES = [
  'electron',
  'better-sqlite3',
  'ws',
  'pg',
  '@electric-sql/pglite',
  'react',
  'react-dom',
];

/**
 * A dependency on an npm package, whether resolved into node_modules or left unresolved
 * (not installed yet). Local files always resolve to a path with an extension, so a bare
 * `electron` / `electron/main` can't be confused with the local electron/ folder.
 */
const npmPackage = (names) => {
  const alt = names.map((n) => n.replace(/[.]/g, '\\.')).join('|');
  return `(^|/)node_modules/(${alt})/|^(${alt})$|^(${alt})/[^.]+$`;
};

const ELECTRON_MODULE = npmPackage(['electron']);
const ELECTRON_ALLOWED = '^electron/(main|preload)\\.ts$|^electron/binding/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    // ---- rule 1: shared/ is pure TypeScript that runs everywhere ----
    {
      name: 'shared-no-node-builtins',
      comment:
        'shared/ runs in the renderer, the seat and hq: no Node built-in modules (fs, node:fs, path, crypto, ...).',
      severity: 'error',
      from: { path: '^shared/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'shared-only-pure-packages',
      comment: `shared/ may use pure npm packages (zod, pure-rand) only; never ${IMPURE_PACKAGES.join(', ')}.`,
      severity: 'error',
      from: { path: '^shared/' },
      to: { path: npmPackage(IMPURE_PACKAGES) },
    },
    {
      name: 'shared-no-app-layers',
      comment:
        'shared/ is the bottom layer: it imports nothing from electron/, renderer/, hq/, test/ or bench/.',
      severity: 'error',
      from: { path: '^shared/' },
      to: { path: '^(electron|renderer|hq|test|bench|scripts)/' },
    },
    {
      name: 'shared-no-circular',
      comment: 'No import cycles inside shared/.',
      severity: 'error',
      from: { path: '^shared/' },
      to: { path: '^shared/', circular: true },
    },

    // ---- rule 2: renderer/ sees shared/, its own files and npm packages only ----
    {
      name: 'renderer-no-node-builtins',
      comment: 'renderer/ is a sandboxed web page: no Node built-in modules.',
      severity: 'error',
      from: { path: '^renderer/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'renderer-no-electron-or-native',
      comment:
        'renderer/ never imports electron or better-sqlite3; it reaches the seat only via the contract in shared/.',
      severity: 'error',
      from: { path: '^renderer/' },
      to: { path: npmPackage(['electron', 'better-sqlite3']) },
    },
    {
      name: 'renderer-only-shared-and-own',
      comment: 'renderer/ imports only shared/ and its own files (never electron/, hq/, test/, bench/, ...).',
      severity: 'error',
      from: { path: '^renderer/' },
      to: { dependencyTypes: ['local'], pathNot: '^(renderer|shared)/' },
    },

    // ---- rule 3: the electron module only in the thin binding ----
    {
      name: 'only-binding-imports-electron',
      comment:
        'Only electron/main.ts, electron/preload.ts and electron/binding/** may import electron (type-only imports too). ' +
        'shared/ and renderer/ have their own rules for this.',
      severity: 'error',
      from: { pathNot: `${ELECTRON_ALLOWED}|^(shared|renderer)/` },
      to: { path: ELECTRON_MODULE },
    },

    // ---- rule 4: seat services are plain Node ----
    {
      name: 'seat-no-binding-or-renderer',
      comment:
        'electron/seat/** are plain Node services: never import electron/main.ts, electron/preload.ts, electron/binding/** or renderer/.',
      severity: 'error',
      from: { path: '^electron/seat/' },
      to: { path: `${ELECTRON_ALLOWED}|^renderer/` },
    },

    // ---- rule 5: hq/ shares only the contract ----
    {
      name: 'hq-only-shared-and-own',
      comment:
        'hq/ imports shared/, its own files and npm packages only: never electron/, renderer/, test/, bench/, ...',
      severity: 'error',
      from: { path: '^hq/' },
      to: { dependencyTypes: ['local'], pathNot: '^(hq|shared)/' },
    },
  ],
  options: {
    doNotFollow: { path: ['node_modules'] },
    // The fixture mini repos violate the rules on purpose; the boundary test cruises them separately.
    exclude: { path: '^test/boundary/fixtures/' },
    // `import type { X } from 'electron'` counts as a dependency too.
    tsPreCompilationDeps: true,
    // Absolute so the rules work the same when run from a fixture folder.
    tsConfig: { fileName: path.join(__dirname, 'tsconfig.base.json') },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.d.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.json'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
  },
};
