import { createHash } from 'node:crypto';
import { appendFileSync, readFileSync, statSync } from 'node:fs';
import { v7 as uuidv7 } from 'uuid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inProcessBridge } from '../../../electron/seat/in-process';
import { Seat } from '../../../electron/seat/seat';
import type { SeatBridge } from '../../../shared/contract';
import { BRANCH, PASSWORD, smallBranch, tempDir } from '../../support/fixtures';

type Bridge = SeatBridge & { close(): void };
type R<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };
const ok = <T>(r: R<T>): T => {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
};
const b64 = (s: string) => Buffer.from(s).toString('base64');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('calls and recordings on the seat', () => {
  let tmp: ReturnType<typeof tempDir>;
  let seat: Seat;
  let api: Bridge;
  let branch: Awaited<ReturnType<typeof smallBranch>>;

  const open = async () => {
    seat = Seat.open({ dbPath: tmp.file('seat.db'), appVersion: 'test', onDefect: () => {} });
    api = inProcessBridge(seat);
    ok(await api.invoke('session.login', { agentCode: 'A001', password: PASSWORD }));
  };
  // The phone line is a supervisor's to set (test/electron/seat/settings-access.test.ts): set in the store.
  const configureSip = async () => {
    seat.store.setSetting(branch.ids.agent, 'sip.wsUrl', 'wss://pbx.test:7443/ws');
    seat.store.setSetting(branch.ids.agent, 'sip.uri', 'sip:8001@pbx.test');
  };
  const count = (sql: string) => (seat.store.db.prepare(sql).get() as { n: number }).n;

  beforeEach(async () => {
    tmp = tempDir();
    seat = Seat.open({ dbPath: tmp.file('seat.db'), appVersion: 'test', onDefect: () => {} });
    seat.store.ensureSeat(BRANCH);
    branch = await smallBranch();
    seat.store.importReferenceData(branch.batch);
    seat.close();
    await open();
  });
  afterEach(() => {
    api.close();
    seat.close();
    tmp.cleanup();
  });

  it('refuses to dial before the SIP account is configured, in Chinese', async () => {
    const r = await api.invoke('call.start', { attemptId: uuidv7(), taskId: branch.ids.taskA });
    expect(r.ok === false && r.error.code).toBe('CONFLICT');
    expect(r.ok === false && r.error.message).toContain('电话尚未配置');
    expect(count('SELECT count(*) AS n FROM attempts')).toBe(0);
  });

  it('starts an attempt with the full number only in the SIP target, audited, and refuses a recused agent', async () => {
    await configureSip();
    const attemptId = uuidv7();
    const started = ok(await api.invoke('call.start', { attemptId, taskId: branch.ids.taskA }));
    expect(started).toEqual({
      attemptId,
      target: 'sip:13812345678@pbx.test',
      numberMasked: '138****5678',
      training: false,
    });
    expect(seat.store.db.prepare('SELECT number_masked AS m FROM attempts').get()).toEqual({
      m: '138****5678',
    });
    const audit = seat.store.db.prepare("SELECT detail FROM audit WHERE action = 'call.dial'").all() as {
      detail: string;
    }[];
    expect(audit.map((a) => JSON.parse(a.detail))).toEqual([{ taskId: branch.ids.taskA }]);
    expect(audit[0]?.detail).not.toContain('13812345678');

    // A fixed line gets the outside prefix; a mobile does not unless configured.
    seat.store.setSetting(branch.ids.agent, 'dial.outsidePrefix', '9');
    seat.store.setSetting(branch.ids.agent, 'dial.prefixMobiles', true);
    const prefixed = ok(await api.invoke('call.start', { attemptId: uuidv7(), taskId: branch.ids.taskB }));
    expect(prefixed.target).toBe('sip:915912345670@pbx.test');

    const other = inProcessBridge(seat);
    ok(await other.invoke('session.login', { agentCode: 'A002', password: PASSWORD }));
    const recused = await other.invoke('call.start', { attemptId: uuidv7(), taskId: branch.ids.taskA });
    expect(recused.ok === false && recused.error.code).toBe('FORBIDDEN');
    other.close();
  });

  it('records how a dial ended, once, and queues the attempt for head office', async () => {
    await configureSip();
    const attemptId = uuidv7();
    ok(await api.invoke('call.start', { attemptId, taskId: branch.ids.taskB }));
    const end = {
      attemptId,
      answeredAt: null,
      endedAt: '2026-11-26T02:00:30.000Z',
      outcome: 'busy' as const,
      sipCode: 486,
    };
    ok(await api.invoke('call.end', end));
    ok(await api.invoke('call.end', end));
    const again = await api.invoke('call.end', { ...end, outcome: 'declined', sipCode: 603 });
    expect(again.ok === false && again.error.code).toBe('CONFLICT');
    const queued = seat.store.db.prepare("SELECT payload FROM outbox WHERE kind = 'attempt'").all() as {
      payload: string;
    }[];
    expect(queued.map((q) => JSON.parse(q.payload))).toEqual([
      expect.objectContaining({
        id: attemptId,
        taskId: branch.ids.taskB,
        outcome: 'busy',
        sipCode: 486,
        numberMasked: '159****5670',
      }),
    ]);
    const task = ok(await api.invoke('task.get', { taskId: branch.ids.taskB }));
    expect(task.attempts).toEqual([
      expect.objectContaining({
        id: attemptId,
        outcome: 'busy',
        sipCode: 486,
        answeredAt: null,
        recordingId: null,
      }),
    ]);
    const list = ok(await api.invoke('worklist.list', {}));
    expect(list.items.find((i) => i.taskId === branch.ids.taskB)?.attempts).toBe(1);
  });

  it('appends chunks durably in order, never twice, and closes the recording immutably with its hash', async () => {
    await configureSip();
    const attemptId = uuidv7();
    const recordingId = uuidv7();
    ok(await api.invoke('call.start', { attemptId, taskId: branch.ids.taskA }));
    ok(await api.invoke('recording.start', { recordingId, attemptId, mimeType: 'audio/webm;codecs=opus' }));
    expect(ok(await api.invoke('recording.chunk', { recordingId, seq: 0, data: b64('AAAA') }))).toEqual({
      nextSeq: 1,
      sizeBytes: 4,
    });
    ok(await api.invoke('recording.chunk', { recordingId, seq: 1, data: b64('BBB') }));
    // A retry of a chunk already written is acknowledged and not written again.
    expect(ok(await api.invoke('recording.chunk', { recordingId, seq: 1, data: b64('BBB') }))).toEqual({
      nextSeq: 2,
      sizeBytes: 7,
    });
    const gap = await api.invoke('recording.chunk', { recordingId, seq: 5, data: b64('X') });
    expect(gap.ok === false && gap.error.message).toContain('第 2 段');

    // A tail written but not yet recorded (a crash between write and store) is cut before the retry.
    const path = (seat.store.db.prepare('SELECT path FROM recordings_open').get() as { path: string }).path;
    appendFileSync(path, 'CC-half');
    ok(await api.invoke('recording.chunk', { recordingId, seq: 2, data: b64('CC') }));
    ok(await api.invoke('recording.mark', { recordingId, offsetMs: 1500, label: 'risk.disclosure' }));
    expect(readFileSync(path, 'utf8')).toBe('AAAABBBCC');

    const closed = ok(await api.invoke('recording.finish', { recordingId, durationMs: 3000 }));
    expect(closed).toEqual({ sha256: sha(Buffer.from('AAAABBBCC')), sizeBytes: 9 });
    expect(statSync(path).mode & 0o777).toBe(0o400);
    const late = await api.invoke('recording.chunk', { recordingId, seq: 3, data: b64('D') });
    expect(late.ok === false && late.error.message).toContain('已结束');
    expect(() => seat.store.db.prepare("UPDATE recordings SET sha256 = 'x'").run()).toThrow(/append-only/);
    expect(() => seat.store.db.prepare('DELETE FROM recordings').run()).toThrow(/append-only/);
    expect(count("SELECT count(*) AS n FROM outbox WHERE kind = 'recording'")).toBe(1);
    expect(seat.store.db.prepare('SELECT offset_ms AS o, label FROM recording_marks').all()).toEqual([
      { o: 1500, label: 'risk.disclosure' },
    ]);

    // The agent's history lists it, and playback reads it back, every slice audited with its range.
    const mine = ok(await api.invoke('recording.list', {}));
    expect(mine.items).toEqual([
      expect.objectContaining({
        id: recordingId,
        attemptId,
        customerName: '张伟',
        sizeBytes: 9,
        durationMs: 3000,
        status: 'finished',
        training: false,
      }),
    ]);
    const first = ok(await api.invoke('recording.read', { recordingId, offset: 0, length: 5 }));
    const rest = ok(await api.invoke('recording.read', { recordingId, offset: 5, length: 100 }));
    expect(Buffer.from(first.data, 'base64').toString() + Buffer.from(rest.data, 'base64').toString()).toBe(
      'AAAABBBCC',
    );
    // A read that skips byte 0 is audited as well (it was not: the whole file could be read from byte 1).
    const skipped = ok(await api.invoke('recording.read', { recordingId, offset: 1, length: 100 }));
    expect(Buffer.from(skipped.data, 'base64').toString()).toBe('AAABBBCC');
    const plays = seat.store.db
      .prepare("SELECT entity_id AS id, detail FROM audit WHERE action = 'recording.play' ORDER BY rowid")
      .all() as { id: string; detail: string }[];
    expect(plays.map((p) => [p.id, JSON.parse(p.detail)])).toEqual([
      [recordingId, { offset: 0, bytes: 5, sizeBytes: 9 }],
      [recordingId, { offset: 5, bytes: 4, sizeBytes: 9 }],
      [recordingId, { offset: 1, bytes: 8, sizeBytes: 9 }],
    ]);
    const other = inProcessBridge(seat);
    ok(await other.invoke('session.login', { agentCode: 'A003', password: PASSWORD }));
    const foreign = await other.invoke('recording.read', { recordingId, offset: 0, length: 5 });
    expect(foreign.ok === false && foreign.error.code).toBe('FORBIDDEN');
    other.close();
  });

  it('after a crash, closes the open recording as interrupted with what reached the disk, and the dial as interrupted', async () => {
    await configureSip();
    const attemptId = uuidv7();
    const recordingId = uuidv7();
    ok(await api.invoke('call.start', { attemptId, taskId: branch.ids.taskA }));
    ok(await api.invoke('recording.start', { recordingId, attemptId, mimeType: 'audio/webm;codecs=opus' }));
    ok(await api.invoke('recording.chunk', { recordingId, seq: 0, data: b64('first-second') }));
    ok(await api.invoke('recording.chunk', { recordingId, seq: 1, data: b64('second-second') }));
    // The process dies: no finish, no call.end. (Closing the database is what the OS does to a dead process.)
    api.close();
    seat.close();
    await open();
    const rec = seat.store.db
      .prepare('SELECT status, sha256, size_bytes AS size, duration_ms AS d FROM recordings')
      .get();
    expect(rec).toEqual({
      status: 'interrupted',
      sha256: sha(Buffer.from('first-secondsecond-second')),
      size: 25,
      d: null,
    });
    expect(count('SELECT count(*) AS n FROM recordings_open')).toBe(0);
    const task = ok(await api.invoke('task.get', { taskId: branch.ids.taskA }));
    expect(task.attempts).toEqual([
      expect.objectContaining({ id: attemptId, outcome: 'interrupted', recordingId }),
    ]);
  });
});
