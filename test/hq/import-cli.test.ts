import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BRANCH, tempDir } from '../support/fixtures';
import { HQ_PASSWORD, startHq, type TestHq } from '../support/hq';

const REPO = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

describe('the feed import command line', () => {
  let t: TestHq;
  beforeAll(async () => {
    t = await startHq('pglite', () => new Date('2026-11-26T02:00:00.000Z'));
  }, 60_000);
  afterAll(() => t?.close());

  it('imports a CSV file (header row, Chinese values) and reports what it did, bad rows by line', async () => {
    const tmp = tempDir();
    const file = join(tmp.dir, 'accounts.csv');
    writeFileSync(
      file,
      [
        'customerId,name,idNumber,mobile,branchId,channel,openedAt,salespersonId,introducerId,margin',
        `C1,王磊,11010519491231002X,13812345678,${BRANCH.branchId},柜台,2026-11-25 10:30,,,否`,
        `C2,赵敏,110105194912310021,13812345679,${BRANCH.branchId},非现场,2026-11-25 10:30,,,否`,
      ].join('\n'),
    );
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'scripts/hq-import.ts', 'accounts_opened', file, '--hq', t.url],
      { cwd: REPO, env: { ...process.env, HQ_PASSWORD } },
    );
    expect(stdout).toContain('已导入 2 行：新建任务 1 个');
    // The CSV's second data row is line 3 of the file.
    expect(stdout).toMatch(/第 3 行：.*身份证号/);
    const tasks = await t.hq.db.db.selectFrom('tasks').select('customer_id').execute();
    expect(tasks).toEqual([{ customer_id: 'C1' }]);
    tmp.cleanup();
  });
});
