import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadScriptFolders } from '../../../../electron/seat/scripts/load';
import { SeatStore } from '../../../../electron/seat/store/seat-store';
import { SeatError } from '../../../../shared/contract';
import { current, progress } from '../../../../shared/scripts/engine';
import { SCRIPTS_DIR } from '../../../shared/scripts/library';
import { addTask, answeredCall, walkScript } from '../../../support/script';
import { resultFor, storeWithBranch } from '../../../support/seat';
import { thrown } from '../../../support/thrown';

type Ctx = Awaited<ReturnType<typeof storeWithBranch>>;

describe('callback scripts on the seat: loading, drafts answer by answer, and what the result keeps', () => {
  let ctx: Ctx;
  let recordingsDir: string;
  let adminDir: string;
  beforeEach(async () => {
    ctx = await storeWithBranch();
    recordingsDir = join(dirname(ctx.path), 'recordings');
    adminDir = join(dirname(ctx.path), 'scripts');
    mkdirSync(adminDir);
  });
  afterEach(() => ctx.close());

  const rows = <T>(sql: string, ...params: unknown[]) => ctx.store.db.prepare(sql).all(...params) as T[];
  const shipped = (file: string) => JSON.parse(readFileSync(join(SCRIPTS_DIR, file), 'utf8'));

  it('loads the nine shipped scripts once, and refuses a malformed one naming the step, audited', () => {
    const first = loadScriptFolders(ctx.store, [SCRIPTS_DIR, adminDir]);
    expect(first.added).toHaveLength(9);
    expect(first.rejected).toEqual([]);
    expect(loadScriptFolders(ctx.store, [SCRIPTS_DIR, adminDir]).added).toEqual([]);

    const broken = shipped('aml.json');
    broken.version = 2;
    const occupation = broken.steps.find((s: { id: string }) => s.id === 'aml.occupation');
    occupation.options = [];
    writeFileSync(join(adminDir, 'aml-v2.json'), JSON.stringify(broken));
    writeFileSync(join(adminDir, 'notes.json'), '{ not json');
    const report = loadScriptFolders(ctx.store, [SCRIPTS_DIR, adminDir]);
    expect(report.added).toEqual([]);
    expect(report.rejected.map((r) => r.message)).toEqual([
      expect.stringMatching(/^脚本 aml v2 的步骤 aml\.occupation：缺少选项/),
      expect.stringMatching(/^notes\.json：不是有效的 JSON/),
    ]);
    expect(
      rows<{ entityId: string }>(
        "SELECT entity_id AS entityId FROM audit WHERE action = 'script.rejected' ORDER BY entity_id",
      ).map((r) => r.entityId),
    ).toEqual([join(adminDir, 'aml-v2.json'), join(adminDir, 'notes.json')]);
  });

  it('refuses other content under a version already loaded; a new version serves new calls only', () => {
    loadScriptFolders(ctx.store, [SCRIPTS_DIR]);
    // A call in progress under version 1.
    const call = answeredCall(ctx.store, ctx.ids.agent, ctx.ids.taskB, recordingsDir);
    walkScript(ctx.store, ctx.ids.agent, ctx.ids.taskB, call.recordingId, {}, 'aml.occupation');

    const edited = shipped('aml.json');
    edited.steps[1].text.zh = `${edited.steps[1].text.zh}（修订）`;
    writeFileSync(join(adminDir, 'aml.json'), JSON.stringify(edited));
    const same = loadScriptFolders(ctx.store, [adminDir]);
    expect(same.rejected[0]?.message).toBe(
      'aml.json：脚本 aml 的版本 1 已以不同内容载入；修改脚本须提高版本号',
    );

    edited.version = 2;
    writeFileSync(join(adminDir, 'aml.json'), JSON.stringify(edited));
    expect(loadScriptFolders(ctx.store, [adminDir]).added).toEqual(['aml@2']);

    // The call in progress finishes under version 1, and its result says so.
    const draft = walkScript(ctx.store, ctx.ids.agent, ctx.ids.taskB, call.recordingId);
    expect(draft.state.merged.scripts.map((s) => s.version)).toEqual([1]);
    ctx.store.commitResult(ctx.ids.agent, resultFor(ctx.ids.taskB, { attemptId: call.attemptId }));
    expect(rows('SELECT purpose, script_id AS id, script_version AS version FROM result_purposes')).toEqual([
      { purpose: 'aml', id: 'aml', version: 1 },
    ]);
    // A new call for the same purpose reads version 2.
    const next = addTask(ctx.store, ctx.ids.customerC, [{ type: 'aml' }]);
    const fresh = ctx.store.openScript(ctx.ids.agent, next);
    expect(fresh.state.merged.scripts.map((s) => s.version)).toEqual([2]);
    expect(fresh.state.merged.steps[1]?.text.zh).toContain('（修订）');
  });

  it('merges new_account and aml into one call: identity once, every answer with its recording moment', () => {
    loadScriptFolders(ctx.store, [SCRIPTS_DIR]);
    const taskId = addTask(ctx.store, ctx.ids.customerB, [{ type: 'aml' }, { type: 'new_account' }]);
    const call = answeredCall(ctx.store, ctx.ids.agent, taskId, recordingsDir);
    const opened = ctx.store.openScript(ctx.ids.agent, taskId);
    const identity = current(opened.state);
    expect(identity.kind).toBe('identity');
    // 欧阳明月, male by the ID number: the polite form with the two-character surname.
    expect(identity.text.zh).toContain('欧阳先生');
    expect(opened.state.merged.steps.filter((s) => s.kind === 'identity')).toHaveLength(1);

    const done = walkScript(ctx.store, ctx.ids.agent, taskId, call.recordingId);
    expect(progress(done.state).atEnd).toBe(true);
    ctx.store.commitResult(ctx.ids.agent, resultFor(taskId, { attemptId: call.attemptId }));

    const answers = rows<{ stepId: string; purposes: string; recordingId: string; offset: number }>(
      `SELECT step_id AS stepId, purposes, recording_id AS recordingId, recording_offset_ms AS offset
       FROM answers ORDER BY recording_offset_ms`,
    );
    expect(answers.filter((a) => a.stepId === 'identity')).toHaveLength(1);
    expect(JSON.parse(answers[0]?.purposes ?? '[]').sort()).toEqual(['aml', 'new_account']);
    expect(answers.some((a) => a.stepId.startsWith('aml.'))).toBe(true);
    expect(answers.some((a) => a.stepId.startsWith('conduct.'))).toBe(true);
    expect(new Set(answers.map((a) => a.recordingId))).toEqual(new Set([call.recordingId]));
    // Each answer is marked on the recording's timeline at its offset.
    const marks = rows<{ label: string; offset: number }>(
      'SELECT label, offset_ms AS offset FROM recording_marks WHERE recording_id = ? ORDER BY offset_ms',
      call.recordingId,
    );
    expect(marks.map((m) => m.label)).toContain('disclosure:risk.market');
    expect(marks.find((m) => m.label === 'identity:identity')?.offset).toBe(0);
    expect(rows('SELECT purpose, outcome FROM result_purposes ORDER BY purpose')).toEqual([
      { purpose: 'aml', outcome: 'pass' },
      { purpose: 'new_account', outcome: 'pass' },
    ]);
    expect(rows("SELECT count(*) AS n FROM outbox WHERE kind = 'result'")).toEqual([{ n: 1 }]);
  });

  it('a failed identity check ends the call: nothing else asked, outcome identity not verified', () => {
    loadScriptFolders(ctx.store, [SCRIPTS_DIR]);
    const call = answeredCall(ctx.store, ctx.ids.agent, ctx.ids.taskA, recordingsDir);
    const draft = walkScript(ctx.store, ctx.ids.agent, ctx.ids.taskA, call.recordingId, { identity: false });
    expect(current(draft.state)).toMatchObject({ kind: 'end', identityFailed: true });
    expect(draft.answered).toBe(1);
    const refused = thrown(SeatError, () =>
      ctx.store.answerScript(ctx.ids.agent, {
        taskId: ctx.ids.taskA,
        stepId: 'account.own_will',
        value: true,
        recordingId: call.recordingId,
        offsetMs: 500,
      }),
    );
    expect(refused.code).toBe('CONFLICT');
    ctx.store.commitResult(
      ctx.ids.agent,
      resultFor(ctx.ids.taskA, { attemptId: call.attemptId, outcome: 'identity_not_verified' }),
    );
    expect(rows('SELECT step_id AS stepId, value FROM answers')).toEqual([
      { stepId: 'identity', value: 'false' },
    ]);
    expect(rows('SELECT purpose, outcome FROM result_purposes ORDER BY purpose')).toEqual([
      { purpose: 'new_account', outcome: 'identity_not_verified' },
      { purpose: 'satisfaction', outcome: 'identity_not_verified' },
    ]);
  });

  it('nonsite_qualification met outside the premises: hold, and a finding on the salesperson at that moment', () => {
    loadScriptFolders(ctx.store, [SCRIPTS_DIR]);
    const taskId = addTask(ctx.store, ctx.ids.customerA, [
      { type: 'nonsite_qualification', salespersonId: ctx.ids.salesperson },
    ]);
    const call = answeredCall(ctx.store, ctx.ids.agent, taskId, recordingsDir);
    walkScript(ctx.store, ctx.ids.agent, taskId, call.recordingId, {
      'nonsite.met_outside': true,
      'nonsite.meeting_place': '在小区门口的咖啡店',
    });
    ctx.store.commitResult(ctx.ids.agent, resultFor(taskId, { attemptId: call.attemptId }));
    expect(rows('SELECT purpose, outcome FROM result_purposes')).toEqual([
      { purpose: 'nonsite_qualification', outcome: 'hold' },
    ]);
    const answered = rows<{ offset: number }>(
      "SELECT recording_offset_ms AS offset FROM answers WHERE step_id = 'nonsite.met_outside'",
    )[0];
    expect(
      rows(
        `SELECT step_id AS stepId, about, salesperson_id AS sp, branch_id AS branch, recording_id AS rec,
                offset_ms AS offset FROM findings`,
      ),
    ).toEqual([
      {
        stepId: 'nonsite.met_outside',
        about: 'salesperson',
        sp: ctx.ids.salesperson,
        branch: 'BR-SH-001',
        rec: call.recordingId,
        offset: answered?.offset,
      },
    ]);
  });

  it('saves each answer only during the call’s recording, at the current step; a repeat is a no-op', () => {
    loadScriptFolders(ctx.store, [SCRIPTS_DIR]);
    const call = answeredCall(ctx.store, ctx.ids.agent, ctx.ids.taskB, recordingsDir);
    ctx.store.openScript(ctx.ids.agent, ctx.ids.taskB);
    const args = {
      taskId: ctx.ids.taskB,
      stepId: 'identity',
      value: true,
      recordingId: call.recordingId,
      offsetMs: 0,
    };
    const first = ctx.store.answerScript(ctx.ids.agent, args);
    expect(ctx.store.answerScript(ctx.ids.agent, args)).toEqual(first);
    const wrongStep = thrown(SeatError, () =>
      ctx.store.answerScript(ctx.ids.agent, { ...args, stepId: 'aml.occupation', value: 'retired' }),
    );
    expect([wrongStep.code, wrongStep.message]).toEqual(['CONFLICT', '该步骤已不是当前步骤，请刷新后继续']);
    const required = thrown(SeatError, () =>
      ctx.store.answerScript(ctx.ids.agent, { ...args, stepId: 'aml.intro', value: 'x' }),
    );
    expect(required.code).toBe('BAD_REQUEST');

    call.recordings.finish({ recordingId: call.recordingId, agentId: ctx.ids.agent, durationMs: 1000 });
    const after = thrown(SeatError, () =>
      ctx.store.answerScript(ctx.ids.agent, { ...args, stepId: 'aml.intro', value: null }),
    );
    expect([after.code, after.message]).toEqual(['CONFLICT', '通话录音未在进行：接通客户后才能记录回答']);
    expect(ctx.store.backScript(ctx.ids.agent, ctx.ids.taskB).answered).toBe(0);
  });

  it('a draft survives the store being closed and opened again, at the same step with its answers', () => {
    loadScriptFolders(ctx.store, [SCRIPTS_DIR]);
    const call = answeredCall(ctx.store, ctx.ids.agent, ctx.ids.taskB, recordingsDir);
    const before = walkScript(ctx.store, ctx.ids.agent, ctx.ids.taskB, call.recordingId, {}, 'aml.education');
    const copy = join(dirname(ctx.path), 'copy.db');
    // What is on disk after the last commit, as a new process would find it.
    ctx.store.saveNotes(ctx.ids.agent, ctx.ids.taskB, '客户说证件下月到期。');
    ctx.store.db.pragma('wal_checkpoint(TRUNCATE)');
    cpSync(ctx.path, copy);
    const reopened = SeatStore.open(copy);
    try {
      const after = reopened.openScript(ctx.ids.agent, ctx.ids.taskB);
      expect(current(after.state).id).toBe('aml.education');
      expect(after.state.trail).toEqual(before.state.trail);
      expect(after.answered).toBe(before.answered);
      expect(after.notes).toBe('客户说证件下月到期。');
    } finally {
      reopened.close();
    }
  });

  it('a result cut short keeps the answers given so far and lists in today’s history', () => {
    loadScriptFolders(ctx.store, [SCRIPTS_DIR]);
    const call = answeredCall(ctx.store, ctx.ids.agent, ctx.ids.taskB, recordingsDir);
    walkScript(ctx.store, ctx.ids.agent, ctx.ids.taskB, call.recordingId, {}, 'aml.occupation');
    ctx.store.commitResult(
      ctx.ids.agent,
      resultFor(ctx.ids.taskB, {
        attemptId: call.attemptId,
        outcome: 'retry',
        disposition: 'call_back_later',
        retryAt: '2026-11-26T07:00:00.000Z',
      }),
    );
    expect(rows<{ stepId: string }>('SELECT step_id AS stepId FROM answers').map((a) => a.stepId)).toEqual([
      'identity',
      'aml.id_valid_from',
      'aml.id_validity',
      'aml.id_valid_until',
    ]);
    expect(rows('SELECT count(*) AS n FROM script_drafts')).toEqual([{ n: 0 }]);
    expect(ctx.store.historyToday(ctx.ids.agent)).toEqual([
      expect.objectContaining({
        taskId: ctx.ids.taskB,
        customerName: '欧阳明月',
        outcome: 'retry',
        purposes: ['aml'],
        findings: 0,
      }),
    ]);
    expect(ctx.store.historyToday(ctx.ids.otherAgent)).toEqual([]);
  });
});
