import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * How the browser seat gets its token without the command line (#14: `ps` shows every local user a process's
 * arguments): a page in the seat's data folder (0700), readable only by the user (0600), that forwards the
 * browser to `url` (which carries the token in its fragment, never sent over the network). Chromium is started
 * on the page's `file://` address, which is no secret; the page is removed once the seat's page has connected
 * (or when the seat stops).
 */
export function writeLaunchPage(dir: string, url: string): { url: string; path: string; remove(): void } {
  const path = join(dir, `launch-${randomBytes(8).toString('hex')}.html`);
  const target = url.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);
  writeFileSync(
    path,
    `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0; url=${target}"><title>回访坐席台</title>\n`,
    { mode: 0o600, flag: 'wx' },
  );
  return { url: pathToFileURL(path).href, path, remove: () => rmSync(path, { force: true }) };
}
