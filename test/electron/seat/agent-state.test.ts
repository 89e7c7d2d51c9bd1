/**
 * The agent's working states at the seat (issue 16, point 1): set by the call flow and by the agent, the
 * after-call-work limit, the branch's break reasons, and every change in the audit trail.
 */
import { v7 as uuidv7 } from 'uuid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inProcessBridge } from '../../../electron/seat/in-process';
import { Seat } from '../../../electron/seat/seat';
import type { AgentStatus, SeatBridge } from '../../../shared/contract';
import { BRANCH, PASSWORD, smallBranch, tempDir } from '../../support/fixtures';
import { resultFor } from '../../support/seat';

type Bridge = SeatBridge & { close(): void };
type R<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };
const ok = <T>(r: R<T>): T => {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
};

describe('agent states at the seat', () => {
  let tmp: ReturnType<typeof tempDir>;
  let seat: Seat;
  let api: Bridge;
  let branch: Awaited<ReturnType<typeof smallBranch>>;
  const seen: AgentStatus[] = [];

  const audits = () =>
    (
      seat.store.db.prepare("SELECT detail FROM audit WHERE action = 'agent.state' ORDER BY rowid").all() as {
        detail: string;
      }[]
    ).map((a) => JSON.parse(a.detail) as Record<string, unknown>);

  beforeEach(async () => {
    tmp = tempDir();
    seat = Seat.open({ dbPath: tmp.file('seat.db'), appVersion: 'test', onDefect: () => {} });
    seat.store.ensureSeat(BRANCH);
    branch = await smallBranch();
    seat.store.importReferenceData(branch.batch);
    seat.store.setSetting(branch.ids.agent, 'sip.wsUrl', 'wss://pbx.test:7443/ws');
    seat.store.setSetting(branch.ids.agent, 'sip.uri', 'sip:8001@pbx.test');
    api = inProcessBridge(seat);
    seen.length = 0;
    api.on('agent.changed', (s) => seen.push(s));
    ok(await api.invoke('session.login', { agentCode: 'A001', password: PASSWORD }));
  });
  afterEach(() => {
    api.close();
    seat.close();
    tmp.cleanup();
  });

  it('goes ready at login, on a call, into after-call work, and ready again at the commit', async () => {
    expect(ok(await api.invoke('agent.state', {}))).toMatchObject({ state: 'ready', reason: null });
    const attemptId = uuidv7();
    ok(await api.invoke('call.start', { attemptId, taskId: branch.ids.taskA }));
    expect(ok(await api.invoke('agent.state', {})).state).toBe('on_call');
    const at = new Date().toISOString();
    ok(
      await api.invoke('call.end', {
        attemptId,
        answeredAt: null,
        endedAt: at,
        outcome: 'declined',
        sipCode: 603,
      }),
    );
    const wrapUp = ok(await api.invoke('agent.state', {}));
    expect(wrapUp.state).toBe('wrap_up');
    // The default limit: 120 s after the call's end.
    expect(Date.parse(wrapUp.wrapUpUntil ?? '') - Date.parse(wrapUp.since)).toBe(120_000);
    ok(
      await api.invoke(
        'result.commit',
        resultFor(branch.ids.taskA, {
          attemptId,
          outcome: 'refused',
          disposition: 'declined',
          notes: '客户拒绝回访',
        }),
      ),
    );
    expect(ok(await api.invoke('agent.state', {})).state).toBe('ready');
    expect(seen.map((s) => s.state)).toEqual(['ready', 'on_call', 'wrap_up', 'ready']);
    expect(audits().map((d) => [d.from, d.state, d.via])).toEqual([
      ['offline', 'ready', 'login'],
      ['ready', 'on_call', 'call'],
      ['on_call', 'wrap_up', 'call'],
      ['wrap_up', 'ready', 'commit'],
    ]);
    expect(audits()[1]?.attemptId).toBe(attemptId);
    expect(typeof audits()[2]?.fromMs).toBe('number');
  });

  it('ends after-call work by itself at the branch’s limit', async () => {
    seat.store.setSetting(branch.ids.agent, 'agent.afterCallWorkSec', 1);
    const attemptId = uuidv7();
    ok(await api.invoke('call.start', { attemptId, taskId: branch.ids.taskA }));
    const ready = new Promise<AgentStatus>((resolve) => {
      const off = api.on('agent.changed', (s) => {
        if (s.state === 'ready') {
          off();
          resolve(s);
        }
      });
    });
    const endedAt = new Date().toISOString();
    ok(
      await api.invoke('call.end', {
        attemptId,
        answeredAt: null,
        endedAt,
        outcome: 'no_answer',
        sipCode: 480,
      }),
    );
    const back = await ready;
    expect(Date.parse(back.since) - Date.parse(endedAt)).toBeGreaterThanOrEqual(900);
    expect(audits().at(-1)).toMatchObject({ from: 'wrap_up', state: 'ready', via: 'limit' });
  });

  it('takes a break only with one of the branch’s reasons, never on a call, and keeps it through a commit', async () => {
    const noReason = await api.invoke('agent.setState', { state: 'break', reason: null });
    expect(noReason.ok === false && noReason.error.message).toBe('请选择小休原因');
    const unknown = await api.invoke('agent.setState', { state: 'break', reason: '打游戏' });
    expect(unknown.ok === false && unknown.error).toEqual({
      code: 'BAD_REQUEST',
      message: '小休原因「打游戏」不在本营业部的列表中',
    });
    const control = await api.invoke('agent.setState', { state: 'break', reason: '休\u0007息' });
    expect(control.ok).toBe(false);
    const onBreak = ok(await api.invoke('agent.setState', { state: 'break', reason: '用餐' }));
    expect(onBreak).toMatchObject({
      state: 'break',
      reason: '用餐',
      breakReasons: ['休息', '用餐', '培训', '会议', '其他'],
    });
    expect(audits().at(-1)).toMatchObject({ from: 'ready', state: 'break', reason: '用餐', via: 'agent' });

    const attemptId = uuidv7();
    ok(await api.invoke('call.start', { attemptId, taskId: branch.ids.taskA }));
    const refused = await api.invoke('agent.setState', { state: 'ready', reason: null });
    expect(refused.ok === false && refused.error).toEqual({
      code: 'CONFLICT',
      message: '通话中不能切换状态，请先结束通话',
    });
    ok(
      await api.invoke('call.end', {
        attemptId,
        answeredAt: null,
        endedAt: new Date().toISOString(),
        outcome: 'declined',
        sipCode: 603,
      }),
    );
    // A break chosen during after-call work ends it, and the commit does not undo the agent's choice.
    ok(await api.invoke('agent.setState', { state: 'break', reason: '会议' }));
    ok(
      await api.invoke(
        'result.commit',
        resultFor(branch.ids.taskA, {
          attemptId,
          outcome: 'refused',
          disposition: 'declined',
          notes: '客户拒绝回访',
        }),
      ),
    );
    expect(ok(await api.invoke('agent.state', {}))).toMatchObject({ state: 'break', reason: '会议' });
    ok(await api.invoke('agent.setState', { state: 'ready', reason: null }));
    expect(ok(await api.invoke('agent.state', {})).state).toBe('ready');
  });

  it('gives no working state to those who take no calls (compliance, reviewers, administrators)', async () => {
    seat.store.db.prepare("UPDATE agents SET role = 'compliance' WHERE code = 'A003'").run();
    const officer = inProcessBridge(seat);
    const session = ok(await officer.invoke('session.login', { agentCode: 'A003', password: PASSWORD }));
    expect(ok(await officer.invoke('agent.state', {})).state).toBe('offline');
    const refused = await officer.invoke('agent.setState', { state: 'ready', reason: null });
    expect(refused.ok === false && refused.error).toEqual({
      code: 'FORBIDDEN',
      message: '该角色不接回访电话，没有坐席状态',
    });
    const theirs = seat.store.db
      .prepare("SELECT count(*) AS n FROM audit WHERE action = 'agent.state' AND agent_id = ?")
      .get(session.agentId) as { n: number };
    expect(theirs.n).toBe(0);
    officer.close();
  });

  it('uses the reasons the branch configured, and goes offline at logout', async () => {
    seat.store.setSetting(branch.ids.agent, 'agent.breakReasons', ['培训', '辅导']);
    expect(ok(await api.invoke('agent.state', {})).breakReasons).toEqual(['培训', '辅导']);
    ok(await api.invoke('agent.setState', { state: 'break', reason: '辅导' }));
    ok(await api.invoke('session.logout', {}));
    expect(audits().at(-1)).toMatchObject({ from: 'break', state: 'offline', via: 'logout' });
    ok(await api.invoke('session.login', { agentCode: 'A001', password: PASSWORD }));
    expect(ok(await api.invoke('agent.state', {}))).toMatchObject({ state: 'ready', reason: null });
  });
});
