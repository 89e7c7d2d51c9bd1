import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readJsonFolder } from '../../../electron/seat/json-folder';
import { loadScriptFolders } from '../../../electron/seat/scripts/load';
import { SCRIPTS_DIR } from '../../shared/scripts/library';
import { storeWithBranch } from '../../support/seat';

type Ctx = Awaited<ReturnType<typeof storeWithBranch>>;

/** What Windows Notepad writes for "UTF-8" (before Windows 10 1903, and "UTF-8 with BOM" since): BOM, CRLF. */
const asNotepadSaves = (json: unknown) =>
  Buffer.concat([
    Buffer.from([0xef, 0xbb, 0xbf]),
    Buffer.from(JSON.stringify(json, null, 2).replace(/\n/g, '\r\n')),
  ]);

describe('the JSON folders an administrator edits by hand', () => {
  let ctx: Ctx;
  let adminDir: string;
  beforeEach(async () => {
    ctx = await storeWithBranch();
    adminDir = join(dirname(ctx.path), 'scripts');
    mkdirSync(adminDir);
  });
  afterEach(() => ctx.close());

  it('loads a script file saved with a UTF-8 byte-order mark', () => {
    const aml = JSON.parse(readFileSync(join(SCRIPTS_DIR, 'aml.json'), 'utf8'));
    aml.version = 2;
    writeFileSync(join(adminDir, 'aml.json'), asNotepadSaves(aml));
    const report = loadScriptFolders(ctx.store, [adminDir]);
    expect(report.rejected).toEqual([]);
    expect(report.added).toEqual(['aml@2']);
  });

  it('drops only a leading mark: one inside the text is still refused as not JSON', () => {
    writeFileSync(join(adminDir, 'a.json'), asNotepadSaves({ id: 'a' }));
    writeFileSync(join(adminDir, 'b.json'), `{"id": "b"}\uFEFF\uFEFF`);
    const rejected: { file: string; message: string }[] = [];
    const read = [...readJsonFolder(adminDir, rejected)];
    expect(read.map((r) => r.json)).toEqual([{ id: 'a' }]);
    expect(rejected.map((r) => r.message)).toEqual([expect.stringMatching(/^b\.json：不是有效的 JSON/)]);
  });
});
