import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

/** The lines inside ```sh blocks of README.md. */
const commands = (readme: string) =>
  [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => (m[1] ?? '').trim().split('\n'));

describe('README and CI agree', () => {
  it('README gives exactly two command lines: start, then install-and-test', () => {
    const lines = commands(read('README.md'));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/npm ci && npm start$/);
    expect(lines[1]).toMatch(/npm test$/);
  });

  it('.ci/run runs the README test line as written', () => {
    const testLine = commands(read('README.md'))[1] ?? '';
    const ciLines = read('.ci/run')
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith('#'));
    expect(ciLines.at(-1)).toBe(testLine);
  });

  it('every npm script the README names exists', () => {
    const scripts = Object.keys(JSON.parse(read('package.json')).scripts as Record<string, string>);
    for (const m of read('README.md').matchAll(/npm (?:run )?([a-z:]+)/g)) {
      const name = m[1] as string;
      if (['ci', 'run'].includes(name)) continue;
      expect(scripts).toContain(name);
    }
  });
});
