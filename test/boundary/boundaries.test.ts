import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { checkBoundaries, REPO } from '../../scripts/check-boundaries';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const TIMEOUT_MS = 60_000; // per spawned process / in-process cruise; each test gets a little more
const TEST_TIMEOUT_MS = TIMEOUT_MS + 10_000;

type Result = { status: number | null; output: string };

/** Runs a node program asynchronously, bounded by TIMEOUT_MS. */
const run = (args: string[]): Promise<Result> =>
  new Promise((done, fail) => {
    execFile(process.execPath, args, { cwd: REPO, timeout: TIMEOUT_MS }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return fail(error); // spawn failure or timeout
      done({ status: error ? (error.code as number) : 0, output: `${stdout}${stderr}` });
    });
  });

const tsx = join(REPO, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const cli = (root?: string) =>
  run([tsx, join(REPO, 'scripts', 'check-boundaries.ts'), ...(root ? [root] : [])]);
const tsc = (project: string) =>
  run([
    join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'),
    '--noEmit',
    '--pretty',
    'false',
    '-p',
    project,
  ]);

const withTimeout = <T>(p: Promise<T>): Promise<T> =>
  Promise.race([
    p,
    new Promise<never>((_, fail) =>
      setTimeout(() => fail(new Error('boundary check timed out')), TIMEOUT_MS).unref(),
    ),
  ]);

// The npm script itself, as a process: exit 0 on the repo, exit 1 on a violation.
describe.concurrent('check-boundaries CLI', () => {
  it('passes on the repo', { timeout: TEST_TIMEOUT_MS }, async () => {
    const { status, output } = await cli();
    expect(output).toContain('no dependency violations found');
    expect(status).toBe(0);
  });

  it('exits 1 on a violation', { timeout: TEST_TIMEOUT_MS }, async () => {
    const { status, output } = await cli(join(FIXTURES, 'seat-electron'));
    expect(output).toContain('error only-binding-imports-electron: electron/seat/x.ts');
    expect(status).toBe(1);
  });
});

// The same check in-process (sequential: dependency-cruiser's resolver cache is module-global).
describe('import boundaries (dependency-cruiser)', () => {
  it('the good fixture (every layer importing what it may) passes', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const { ok, output } = await withTimeout(checkBoundaries(join(FIXTURES, 'good')));
    expect(output).toContain('no dependency violations found');
    expect(ok).toBe(true);
  });

  const bad: Array<{ fixture: string; rule: string; offenders: string[] }> = [
    { fixture: 'shared-node-builtin', rule: 'shared-no-node-builtins', offenders: ['shared/bad.ts'] },
    { fixture: 'shared-electron', rule: 'shared-only-pure-packages', offenders: ['shared/dom.ts'] },
    { fixture: 'renderer-seat', rule: 'renderer-only-shared-and-own', offenders: ['renderer/x.ts'] },
    {
      fixture: 'seat-electron',
      rule: 'only-binding-imports-electron',
      offenders: ['electron/seat/x.ts', 'electron/seat/types.ts'], // types.ts: `import type` counts too
    },
    { fixture: 'seat-binding', rule: 'seat-no-binding-or-renderer', offenders: ['electron/seat/x.ts'] },
    { fixture: 'hq-seat', rule: 'hq-only-shared-and-own', offenders: ['hq/server.ts'] },
    { fixture: 'shared-cycle', rule: 'shared-no-circular', offenders: ['shared/a.ts'] },
  ];

  it.each(bad)(
    '$fixture fails with $rule',
    { timeout: TEST_TIMEOUT_MS },
    async ({ fixture, rule, offenders }) => {
      const { ok, errors, output } = await withTimeout(checkBoundaries(join(FIXTURES, fixture)));
      expect(ok).toBe(false);
      expect(errors).toBe(offenders.length);
      for (const file of offenders) expect(output).toContain(`error ${rule}: ${file}`);
    },
  );
});

describe.concurrent('shared/ type-checks without DOM or Node globals', () => {
  const project = join(FIXTURES, 'ts-globals');

  it('the fixture tsconfig has the same lib/types as shared/tsconfig.json', () => {
    const read = (file: string) => {
      const { config, error } = ts.readConfigFile(file, ts.sys.readFile);
      expect(error).toBeUndefined();
      return { lib: config.compilerOptions.lib, types: config.compilerOptions.types };
    };
    expect(read(join(project, 'tsconfig.json'))).toEqual(read(join(REPO, 'shared', 'tsconfig.json')));
  });

  it('rejects document and process', { timeout: TEST_TIMEOUT_MS }, async () => {
    const { status, output } = await tsc(join(project, 'tsconfig.json'));
    expect(status).not.toBe(0);
    expect(output).toMatch(/shared\/uses-dom\.ts\(1,\d+\): error TS\d+: Cannot find name 'document'/);
    expect(output).toMatch(/shared\/uses-process\.ts\(1,\d+\): error TS\d+: Cannot find name 'process'/);
  });

  it('accepts pure code under the same settings (control)', { timeout: TEST_TIMEOUT_MS }, async () => {
    const { status, output } = await tsc(join(project, 'tsconfig.pure.json'));
    expect(output).toBe('');
    expect(status).toBe(0);
  });
});
