/**
 * The callback script on the SIP rig: an agent logs in, opens a task that merges `new_account` and `aml` for
 * one customer, dials, the customer phone answers, the agent walks the merged script with the keyboard
 * (identity once, disclosures confirmed), hangs up and wraps up; the store then holds one result with every
 * answer at its moment in the recording, the recording's hash, and one outbox entry. And a failed identity
 * check: the call ends after it with "identity not verified". Runs inside `unshare --net` (npm run test:rig).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { v4 as uuidv4 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Seat } from '../../electron/seat/seat';
import { readDraft } from '../../electron/seat/store/drafts';
import type { WebHost } from '../../electron/web-host';
import { idCheckChar } from '../../shared/domain/id-number';
import { current, finish } from '../../shared/scripts/engine';
import { launchChromium } from '../support/chromium';
import { BRANCH } from '../support/fixtures';
import { plainAnswer } from '../support/script';
import {
  answerInRunner,
  CUSTOMER_NUMBER,
  checkRecording,
  dialConnected,
  openConsole,
  openCustomer,
  rigHost,
  rigSeat,
  waitPhase,
} from './console';
import { type Kamailio, startKamailio } from './kamailio';
import { requirePrivateNetwork } from './netns';
import { type RigPages, rigChromiumArgs, startPages } from './pages';

const SHOTS = join(import.meta.dirname, '../../docs/screenshots');
const idNumber = (first17: string) => `${first17}${idCheckChar(first17)}`;

describe.skipIf(process.env.SIP_RIG !== '1')('the callback script on the SIP rig', () => {
  let dir: string;
  let kamailio: Kamailio;
  let pages: RigPages;
  let browser: Browser;
  let seat: Seat;
  let host: WebHost;
  let customer: Awaited<ReturnType<typeof openCustomer>>;
  const ids = { merged: uuidv4(), identity: uuidv4(), wang: uuidv4(), zhao: uuidv4() };
  const rows = <T>(sql: string, ...params: unknown[]) => seat.store.db.prepare(sql).all(...params) as T[];

  beforeAll(async () => {
    requirePrivateNetwork();
    dir = mkdtempSync(join(tmpdir(), 'rig-script-'));
    kamailio = await startKamailio();
    pages = await startPages();
    browser = await launchChromium(rigChromiumArgs(pages.toneWav));
    let branch: Awaited<ReturnType<typeof rigSeat>>['branch'];
    ({ seat, branch } = await rigSeat(join(dir, 'seat.db'), kamailio.wsUrl));
    // Two more customers reached on the rig's customer phone: 王磊 (male) and 赵敏 (female).
    // Opened yesterday, the tasks came an hour ago and are due in six days: dates relative to the run.
    const iso = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();
    const customerOf = (id: string, name: string, first17: string) => ({
      id,
      name,
      idNumber: idNumber(first17),
      phone: CUSTOMER_NUMBER,
      branchId: BRANCH.branchId,
      salespersonId: branch.ids.salesperson,
      introducerId: null,
      openedAt: iso(-86_400_000),
      channel: 'counter' as const,
      margin: false,
    });
    const taskOf = (id: string, customerId: string, types: ('new_account' | 'aml')[]) => ({
      id,
      customerId,
      branchId: BRANCH.branchId,
      assignedAgentId: null,
      status: 'open' as const,
      createdAt: iso(-3_600_000),
      purposes: types.map((type) => ({
        type,
        deadlineAt: iso(6 * 86_400_000),
        reason: '测试',
        salespersonId: type === 'new_account' ? branch.ids.salesperson : null,
      })),
    });
    seat.store.importReferenceData({
      salespeople: [],
      agents: [],
      customers: [
        customerOf(ids.wang, '王磊', '11010519850101001'),
        customerOf(ids.zhao, '赵敏', '11010519900202002'),
      ],
      tasks: [
        taskOf(ids.merged, ids.wang, ['new_account', 'aml']),
        taskOf(ids.identity, ids.zhao, ['new_account']),
      ],
    });
    host = await rigHost(seat);
    customer = await openCustomer(browser, pages.customerUrl, kamailio.wsUrl);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    seat?.close();
    await pages?.close();
    await kamailio?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const answered = (taskId: string) => readDraft(seat.store.db, taskId)?.state.trail.length ?? 0;

  /** Dials the open task and waits until the customer is connected and the call is being recorded. */
  async function connect(page: Page) {
    await page.getByText('电话：电话就绪').waitFor();
    await customer.setMode('answer');
    await dialConnected(page, customer);
    await page.locator('.rec').waitFor();
  }

  async function hangUpAndWrapUp(page: Page, outcome: string, shot?: string) {
    await page.getByRole('button', { name: /^挂断/ }).click();
    await waitPhase(page, /通话结束/);
    const wrapUp = page.getByRole('region', { name: '回访小结' });
    await wrapUp.waitFor();
    await expect.poll(() => wrapUp.getByLabel('回访结果').inputValue()).toBe(outcome);
    await wrapUp.getByLabel('备注').fill('客户配合良好。');
    if (shot) await page.screenshot({ path: join(SHOTS, shot) });
    await page.keyboard.press('Control+Enter');
    await page.getByText('回访结果已保存').waitFor();
  }

  it('walks the merged new_account + aml script with the keyboard and commits everything in one result', async () => {
    const page = await openConsole(browser, `${host.url}/#token=${host.token}`, [], '王磊');
    const runner = page.getByRole('region', { name: '回访脚本' });
    await runner.waitFor();
    await connect(page);
    // The polite form from the ID number, and the merged call's two purposes.
    await expect.poll(() => runner.locator('.step-text').textContent()).toContain('王先生');
    expect(await runner.locator('.script-head .tag').allTextContents()).toEqual([
      '新开客户回访',
      '反洗钱回访',
    ]);

    let shotTaken = false;
    for (let guard = 0; guard < 80; guard++) {
      const draft = readDraft(seat.store.db, ids.merged);
      if (!draft) throw new Error('no draft');
      const step = current(draft.state);
      if (step.kind === 'end') break;
      if (step.kind === 'disclosure' && !shotTaken) {
        await page.screenshot({ path: join(SHOTS, 'script-runner.png') });
        shotTaken = true;
      }
      const before = draft.state.trail.length;
      await answerInRunner(page, step, plainAnswer(step));
      await expect.poll(() => answered(ids.merged), { timeout: 10_000 }).toBe(before + 1);
    }
    await runner.getByText('脚本已完成，请填写回访小结').waitFor();
    const draft = readDraft(seat.store.db, ids.merged);
    if (!draft) throw new Error('no draft');
    const done = finish(draft.state);
    if (!done.ok) throw new Error(done.error.en);
    expect(done.value.answers.filter((a) => a.stepId === 'identity')).toHaveLength(1);

    await hangUpAndWrapUp(page, 'completed', 'wrap-up.png');

    const results = rows<{ id: string; outcome: string; attemptId: string }>(
      'SELECT id, outcome, attempt_id AS attemptId FROM results WHERE task_id = ?',
      ids.merged,
    );
    expect(results).toHaveLength(1);
    const result = results[0] as (typeof results)[number];
    expect(result.outcome).toBe('completed');
    const answers = rows<{ stepId: string; offset: number; recordingId: string }>(
      `SELECT step_id AS stepId, recording_offset_ms AS offset, recording_id AS recordingId FROM answers
       WHERE result_id = ? ORDER BY recording_offset_ms`,
      result.id,
    );
    expect(answers.map((a) => a.stepId).sort()).toEqual(done.value.answers.map((a) => a.stepId).sort());
    // The recording is closed once its last chunk is on disk; then each answer lies inside it.
    await expect
      .poll(
        () =>
          rows(
            "SELECT count(*) AS n FROM recordings WHERE attempt_id = ? AND status = 'finished'",
            result.attemptId,
          ),
        {
          timeout: 15_000,
        },
      )
      .toEqual([{ n: 1 }]);
    const rec = rows<{ id: string; path: string; sha256: string; durationMs: number }>(
      'SELECT id, path, sha256, duration_ms AS durationMs FROM recordings WHERE attempt_id = ?',
      result.attemptId,
    )[0];
    if (!rec) throw new Error('no recording');
    for (const a of answers) {
      expect(a.recordingId).toBe(rec.id);
      expect(a.offset).toBeGreaterThanOrEqual(0);
      expect(a.offset).toBeLessThanOrEqual(rec.durationMs);
    }
    expect(createHash('sha256').update(readFileSync(rec.path)).digest('hex')).toBe(rec.sha256);
    expect(checkRecording(rec.path, dir).channels).toBe(2);
    expect(
      rows("SELECT count(*) AS n FROM outbox WHERE kind = 'result' AND entity_id = ?", result.id),
    ).toEqual([{ n: 1 }]);
    expect(
      rows('SELECT purpose, outcome FROM result_purposes WHERE result_id = ? ORDER BY purpose', result.id),
    ).toEqual([
      { purpose: 'aml', outcome: 'pass' },
      { purpose: 'new_account', outcome: 'pass' },
    ]);

    // The next task is offered, and today's history lists the result with its recording.
    await page.keyboard.press('Enter');
    await page.getByRole('region', { name: '王磊' }).waitFor({ state: 'detached' });
    await page.getByRole('button', { name: '今日回访' }).click();
    const history = page.getByRole('table', { name: '今日回访' });
    await history
      .getByRole('row')
      .filter({ hasText: '王磊' })
      .getByRole('button', { name: '播放' })
      .waitFor();
    await page.screenshot({ path: join(SHOTS, 'history.png') });
    await page.close();
  }, 240_000);

  it('a failed identity check ends the call politely: nothing else asked, identity not verified', async () => {
    const page = await openConsole(browser, `${host.url}/#token=${host.token}`, [], '赵敏');
    const runner = page.getByRole('region', { name: '回访脚本' });
    await runner.waitFor();
    await connect(page);
    await expect.poll(() => runner.locator('.step-text').textContent()).toContain('赵女士');
    const draft = readDraft(seat.store.db, ids.identity);
    if (!draft) throw new Error('no draft');
    await answerInRunner(page, current(draft.state), false);
    await runner.getByText('身份未能核实：已礼貌结束通话，请填写回访小结').waitFor();
    // The polite ending is all that is left to read.
    expect(await runner.locator('.step-kind').textContent()).toBe('结束语');
    await hangUpAndWrapUp(page, 'identity_not_verified');
    const result = rows<{ id: string; outcome: string }>(
      'SELECT id, outcome FROM results WHERE task_id = ?',
      ids.identity,
    );
    expect(result.map((r) => r.outcome)).toEqual(['identity_not_verified']);
    expect(rows('SELECT step_id AS stepId, value FROM answers WHERE result_id = ?', result[0]?.id)).toEqual([
      { stepId: 'identity', value: 'false' },
    ]);
    await page.close();
  }, 120_000);
});
