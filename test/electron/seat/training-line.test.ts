import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inProcessBridge } from '../../../electron/seat/in-process';
import { Recordings } from '../../../electron/seat/recordings/recordings';
import { Seat } from '../../../electron/seat/seat';
import { AttemptPayload, ResultPayload, type SeatBridge } from '../../../shared/contract';
import { BRANCH, PASSWORD, smallBranch, tempDir } from '../../support/fixtures';
import { walkScript } from '../../support/script';

type Bridge = SeatBridge & { close(): void };
type R<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };
const ok = <T>(r: R<T>): T => {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
};
const ASSETS = resolve(import.meta.dirname, '../../../assets');

/**
 * The training line at the seat (issue #15, point 3): an attempt on it names its persona and dials nothing, is
 * allowed only where an administrator allowed it, and its result is practice: the task stays open, the
 * result carries the script's completeness, and practice and evidence never mix.
 */
describe('the training line at the seat', () => {
  let tmp: ReturnType<typeof tempDir>;
  let seat: Seat;
  let api: Bridge;
  let branch: Awaited<ReturnType<typeof smallBranch>>;
  const row = <T>(sql: string, ...args: unknown[]) => seat.store.db.prepare(sql).get(...args) as T;
  const outbox = (kind: string) =>
    (
      seat.store.db.prepare('SELECT payload FROM outbox WHERE kind = ? ORDER BY seq').all(kind) as {
        payload: string;
      }[]
    ).map((r) => JSON.parse(r.payload) as Record<string, unknown>);
  const training = (personaId: string) => ({ kind: 'training' as const, personaId });

  beforeEach(async () => {
    tmp = tempDir();
    seat = Seat.open({ dbPath: tmp.file('seat.db'), appVersion: 'test', onDefect: () => {} });
    seat.store.ensureSeat(BRANCH);
    branch = await smallBranch();
    seat.store.importReferenceData(branch.batch);
    seat.loadScripts([join(ASSETS, 'scripts')]);
    expect(seat.loadPersonas(join(ASSETS, 'training/personas')).rejected).toEqual([]);
    api = inProcessBridge(seat);
    ok(await api.invoke('session.login', { agentCode: 'A001', password: PASSWORD }));
  });
  afterEach(() => {
    api.close();
    seat.close();
    tmp.cleanup();
  });

  it('is refused, in Chinese, until an administrator allows it; then dials nothing and names the persona', async () => {
    const info = ok(await api.invoke('training.personas', {}));
    expect(info.allowed).toBe(false);
    expect(info.pbxConfigured).toBe(false);
    expect(info.personas.map((p) => p.id).sort()).toEqual([
      'busy',
      'call_back_tomorrow',
      'cooperative',
      'hangs_up',
      'identity_fails',
      'misconduct',
      'no_answer',
    ]);
    expect(info.personas.find((p) => p.id === 'misconduct')?.findings).toEqual(['conduct.promised_returns']);

    const refused = await api.invoke('call.start', {
      attemptId: uuidv7(),
      taskId: branch.ids.taskA,
      line: training('cooperative'),
    });
    expect(refused.ok === false && refused.error.code).toBe('FORBIDDEN');
    expect(refused.ok === false && refused.error.message).toBe('本坐席未开放演练线路，请联系管理员');
    expect(row<{ n: number }>('SELECT count(*) AS n FROM attempts').n).toBe(0);

    seat.store.setSetting(branch.ids.agent, 'training.enabled', true);
    expect(ok(await api.invoke('training.personas', {})).allowed).toBe(true);
    const unknown = await api.invoke('call.start', {
      attemptId: uuidv7(),
      taskId: branch.ids.taskA,
      line: training('nobody'),
    });
    expect(unknown.ok === false && unknown.error.message).toBe('演练客户角色不存在：nobody');

    const attemptId = uuidv7();
    const started = ok(
      await api.invoke('call.start', { attemptId, taskId: branch.ids.taskA, line: training('busy') }),
    );
    expect(started).toEqual({ attemptId, target: '', numberMasked: '138****5678', training: true });
    // The PBX line stays as it was: not configured, refused.
    const pbx = await api.invoke('call.start', { attemptId: uuidv7(), taskId: branch.ids.taskA });
    expect(pbx.ok === false && pbx.error.message).toContain('电话尚未配置');

    ok(
      await api.invoke('call.end', {
        attemptId,
        answeredAt: null,
        endedAt: new Date().toISOString(),
        outcome: 'busy',
        sipCode: 486,
      }),
    );
    const [attempt] = outbox('attempt');
    expect(AttemptPayload.parse(attempt).training).toEqual({ personaId: 'busy', personaVersion: 1 });
    const dial = row<{ detail: string }>("SELECT detail FROM audit WHERE action = 'call.dial'");
    expect(JSON.parse(dial.detail)).toEqual({ taskId: branch.ids.taskA, training: { personaId: 'busy' } });
    // Practice dials are not the task's dials: the worklist counts none, the task lists it as training.
    const list = ok(await api.invoke('worklist.list', { limit: 10 }));
    expect(list.items.find((i) => i.taskId === branch.ids.taskA)?.attempts).toBe(0);
    const task = ok(await api.invoke('task.get', { taskId: branch.ids.taskA }));
    expect(task.attempts).toEqual([
      expect.objectContaining({ id: attemptId, training: true, outcome: 'busy' }),
    ]);
  });

  it('serves the clips its personas speak, and no other file', async () => {
    const clip = ok(await api.invoke('training.clip', { clip: 'hello.ogg' }));
    expect(clip.mimeType).toBe('audio/ogg');
    expect(
      Buffer.from(clip.data, 'base64').equals(readFileSync(join(ASSETS, 'training/voices/hello.ogg'))),
    ).toBe(true);
    const missing = await api.invoke('training.clip', { clip: 'nothing-here.ogg' });
    expect(missing.ok === false && missing.error.code).toBe('NOT_FOUND');
    const outside = await api.invoke('training.clip', { clip: '../../package.json' } as never);
    expect(outside.ok === false && outside.error.code).toBe('BAD_REQUEST');
  });

  it('keeps a practice result apart: the task stays open, the result says how complete the script was', async () => {
    seat.store.setSetting(branch.ids.agent, 'training.enabled', true);
    const agent = branch.ids.agent;
    const taskId = branch.ids.taskA;
    const attemptId = uuidv7();
    ok(await api.invoke('call.start', { attemptId, taskId, line: training('misconduct') }));
    const recordings = new Recordings(
      seat.store.db,
      tmp.file('rec'),
      () => BRANCH.branchId,
      () => seat.store.now(),
    );
    const recordingId = uuidv7();
    recordings.start({ recordingId, attemptId, agentId: agent, mimeType: 'audio/webm;codecs=opus' });
    // The trainee misses the promised returns (answers "no" there) and records a finding elsewhere instead.
    walkScript(seat.store, agent, taskId, recordingId, {
      'conduct.promised_returns': false,
      'conduct.lending': true,
    });
    const before = row<{ status: string; next: string | null }>(
      'SELECT status, next_attempt_at AS next FROM tasks WHERE id = ?',
      taskId,
    );
    const resultId = uuidv7();
    const committed = ok(
      await api.invoke('result.commit', {
        id: resultId,
        taskId,
        attemptId,
        outcome: 'completed',
        disposition: 'connected',
        notes: '',
        retryAt: null,
        supersedesId: null,
      }),
    );
    expect(committed.taskStatus).toBe('open');
    expect(row('SELECT status, next_attempt_at AS next FROM tasks WHERE id = ?', taskId)).toEqual(before);
    const [result] = outbox('result');
    const parsed = ResultPayload.parse(result);
    expect(parsed.training).toMatchObject({
      personaId: 'misconduct',
      personaVersion: 1,
      findingsExpected: ['conduct.promised_returns'],
      findingsRaised: ['conduct.lending'],
    });
    const t = parsed.training;
    expect(t && t.stepsDone > 10 && t.stepsDone === t.stepsTotal).toBe(true);
    // new_account + satisfaction: every disclosure of the merged script confirmed (a plain answer confirms).
    expect(t && t.disclosuresTotal >= 2 && t.disclosuresConfirmed === t.disclosuresTotal).toBe(true);
    const history = ok(await api.invoke('history.today', {}));
    expect(history.items).toEqual([expect.objectContaining({ resultId, training: true })]);

    // The real callback afterwards starts a new script: practice answers cannot be committed as evidence.
    seat.store.setSetting(agent, 'sip.wsUrl', 'ws://127.0.0.1:5066/');
    seat.store.setSetting(agent, 'sip.uri', 'sip:8001@rig.test');
    walkScript(seat.store, agent, taskId, recordingId, {}, 'conduct.intro');
    const realAttempt = uuidv7();
    ok(await api.invoke('call.start', { attemptId: realAttempt, taskId }));
    const mixed = await api.invoke('result.commit', {
      id: uuidv7(),
      taskId,
      attemptId: realAttempt,
      outcome: 'refused',
      disposition: 'connected',
      notes: '',
      retryAt: null,
      supersedesId: null,
    });
    expect(mixed.ok === false && mixed.error.message).toBe(
      '脚本回答是在演练通话中记录的，不能作为正式回访结果提交；请重新开始脚本后拨打客户',
    );
    expect(row<{ n: number }>('SELECT count(*) AS n FROM results').n).toBe(1);
    // Its recording is the agent's, marked as practice in 我的录音.
    recordings.chunk({ recordingId, seq: 0, data: Buffer.from('webm'), agentId: agent });
    recordings.finish({ recordingId, durationMs: 4000, agentId: agent });
    const mine = ok(await api.invoke('recording.list', {}));
    expect(mine.items).toEqual([expect.objectContaining({ id: recordingId, training: true })]);
  });

  it('counts practice dials and real dials apart for 无法联系', async () => {
    seat.store.setSetting(branch.ids.agent, 'training.enabled', true);
    const taskId = branch.ids.taskB;
    const dial = async (line?: ReturnType<typeof training>) => {
      const attemptId = uuidv7();
      ok(await api.invoke('call.start', { attemptId, taskId, ...(line ? { line } : {}) }));
      ok(
        await api.invoke('call.end', {
          attemptId,
          answeredAt: null,
          endedAt: new Date().toISOString(),
          outcome: 'no_answer',
          sipCode: 480,
        }),
      );
      return attemptId;
    };
    for (let i = 0; i < 3; i++) await dial(training('no_answer'));
    const commit = (attemptId: string) =>
      api.invoke('result.commit', {
        id: uuidv7(),
        taskId,
        attemptId,
        outcome: 'unreachable',
        disposition: 'no_answer',
        notes: '',
        retryAt: null,
        supersedesId: null,
      });
    seat.store.setSetting(branch.ids.agent, 'sip.wsUrl', 'ws://127.0.0.1:5066/');
    seat.store.setSetting(branch.ids.agent, 'sip.uri', 'sip:8001@rig.test');
    const real = await dial();
    const early = await commit(real);
    expect(early.ok === false && early.error.message).toContain('已拨打 1 次');
    // Three practice dials close a practice result as unreachable, and leave the task open.
    const practice = ok(await commit(await dial(training('no_answer'))));
    expect(practice.taskStatus).toBe('open');
  });
});
