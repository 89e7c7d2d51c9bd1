import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { expect } from 'vitest';
import { inProcessBridge } from '../../electron/seat/in-process';
import { Seat } from '../../electron/seat/seat';
import { startWebHost, type WebHost } from '../../electron/web-host';
import type { AnswerValue, SeatBridge } from '../../shared/contract';
import { seatContentSecurityPolicy } from '../../shared/csp';
import { current } from '../../shared/scripts/engine';
import { BRANCH, PASSWORD, tempDir } from './fixtures';
import { freshDatabase } from './hq-db';
import { freePort, startHqProcess } from './hq-process';
import { seedHq } from './hq-seed';
import { invoke } from './review-scene';
import { plainAnswer } from './script';
import { streamedWebm } from './webm';

const ASSETS = resolve(import.meta.dirname, '../../assets');

/** One practice call as the scene placed it, and what the training view should say of it. */
export interface Practice {
  attemptId: string;
  resultId: string | null;
  recordingId: string | null;
  personaId: string;
}

/**
 * What the training view is tested on: a head-office process (PGlite) with the seeded branch (supervisor SH01,
 * agent A001, `new_account` tasks), a seat enrolled with it behind its web host, the training line allowed and
 * the shipped personas loaded, and trainee A001's practice calls, made through the seat's contract as the
 * console makes them, synced home with their recordings:
 * - `right`: the customer who reports promised returns (`misconduct`), the whole script walked, the finding
 *   raised where the persona gives cause: findings correct;
 * - `missed`: the same customer, the answer at that step recorded as "no", the call cut short at the risk
 *   disclosure (result `refused`): a finding missed, steps and disclosures short;
 * - `busy`: a busy customer (486), no recording and no result.
 * `seconds` is each recorded call's length, answers `spacingMs` apart. With `empty`, the calls wait for
 * `practise()`.
 */
export async function startTrainingScene(opts: {
  staticDir?: string;
  seconds: number;
  spacingMs: number;
  /** No practice calls until `practise()` (the training view's empty state first). */
  empty?: boolean;
}) {
  const tmp = tempDir();
  const hqDataDir = join(tmp.dir, 'hq');
  mkdirSync(hqDataDir);
  const port = String(await freePort());
  const database = await freshDatabase('pglite', hqDataDir);
  const db = await database.open();
  const seeded = await seedHq(db, { customers: 3, purposes: ['new_account'] });
  await db.close();
  const hqEnv = { HQ_DATA_DIR: hqDataDir, DATABASE_URL: database.options().databaseUrl, HQ_PORT: port };
  const hq = startHqProcess(hqEnv);
  const hqUrl = await hq.url;
  // The seat's clock: moved on by each call's length once it is recorded, so the answers fall inside it.
  let ahead = 0;
  const seat = Seat.open({
    dbPath: tmp.file('seat.db'),
    now: () => new Date(Date.now() + ahead),
    appVersion: 'training-test',
    onDefect: () => {},
    sync: { intervalMs: 200, maxBackoffMs: 400 },
  });
  seat.store.ensureSeat(BRANCH);
  seat.loadScripts([join(ASSETS, 'scripts')]);
  const personas = seat.loadPersonas(join(ASSETS, 'training/personas'));
  expect(personas.rejected).toEqual([]);
  const host: WebHost = await startWebHost({
    seat,
    staticDir: opts.staticDir ?? tmp.dir,
    contentSecurityPolicy: () => seatContentSecurityPolicy(seat.store.settings()['sip.wsUrl']),
  });
  const trainee = inProcessBridge(seat);
  await invoke(trainee, 'sync.enrol', { hqUrl, code: 'SH01', password: PASSWORD, name: '上海 1 号坐席' });
  await seat.sync.round();
  // An administrator's choice at this seat: its agents may practise on the training line (no PBX here).
  seat.store.setSetting(seeded.agent, 'training.enabled', true);
  await invoke(trainee, 'session.login', { agentCode: 'A001', password: PASSWORD });
  expect(await invoke(trainee, 'training.personas', {})).toMatchObject({ allowed: true });

  const webm = streamedWebm(opts.seconds);
  const practise = (
    taskId: string,
    personaId: string,
    answers: Record<string, AnswerValue>,
    stopBefore: string | null,
    outcome: 'completed' | 'refused',
  ) => practiceCall(trainee, { taskId, personaId, answers, stopBefore, outcome, webm, ...opts, tick, now });
  const tick = (ms: number) => {
    ahead += ms;
  };
  const now = () => Date.parse(seat.store.now());

  /** Trainee A001's three practice calls (see above), synced home with their recordings. */
  async function practiseAll() {
    const right = await practise(
      seeded.tasks[0] as string,
      'misconduct',
      { 'conduct.promised_returns': true },
      null,
      'completed',
    );
    const missed = await practise(
      seeded.tasks[1] as string,
      'misconduct',
      { 'conduct.promised_returns': false },
      'risk.market',
      'refused',
    );
    const busyAttempt = uuidv7();
    await invoke(trainee, 'call.start', {
      attemptId: busyAttempt,
      taskId: seeded.tasks[2],
      line: { kind: 'training', personaId: 'busy' },
    });
    tick(2000);
    await invoke(trainee, 'call.end', {
      attemptId: busyAttempt,
      answeredAt: null,
      endedAt: new Date(now()).toISOString(),
      outcome: 'busy',
      sipCode: 486,
    });
    await seat.sync.round();
    expect(seat.store.uploadsWaiting()).toBe(0);
    return {
      right,
      missed,
      busy: { attemptId: busyAttempt, resultId: null, recordingId: null, personaId: 'busy' } as Practice,
    };
  }
  let calls = opts.empty ? null : await practiseAll();

  return {
    tmp,
    seat,
    host,
    hqUrl,
    seeded,
    /** The practice calls (after `practise`, when the scene began `empty`). */
    get calls() {
      if (!calls) throw new Error('no practice calls yet: call scene.practise()');
      return calls;
    },
    /** Makes the practice calls now (a scene begun `empty`). */
    async practise() {
      calls = await practiseAll();
      return calls;
    },
    async close() {
      await host.close();
      await seat.shutdown();
      await hq.stop();
      await database.drop();
      tmp.cleanup();
    },
  };
}

/**
 * One answered practice call through the contract: dialled on the training line, recorded (stereo WebM, in
 * two chunks), the script answered at moments `spacingMs` apart (plain answers but `answers`, up to
 * `stopBefore`), ended and its result committed.
 */
async function practiceCall(
  trainee: SeatBridge,
  o: {
    taskId: string;
    personaId: string;
    answers: Record<string, AnswerValue>;
    stopBefore: string | null;
    outcome: 'completed' | 'refused';
    webm: Buffer;
    seconds: number;
    spacingMs: number;
    tick: (ms: number) => void;
    /** The seat's clock (ms). */
    now: () => number;
  },
): Promise<Practice> {
  const attemptId = uuidv7();
  const started = await invoke(trainee, 'call.start', {
    attemptId,
    taskId: o.taskId,
    line: { kind: 'training', personaId: o.personaId },
  });
  expect(started).toMatchObject({ training: true, target: '' });
  const answeredAt = o.now();
  const recordingId = uuidv7();
  await invoke(trainee, 'recording.start', { recordingId, attemptId, mimeType: 'audio/webm;codecs=opus' });
  const half = Math.floor(o.webm.length / 2);
  for (const [seq, part] of [o.webm.subarray(0, half), o.webm.subarray(half)].entries()) {
    await invoke(trainee, 'recording.chunk', { recordingId, seq, data: part.toString('base64') });
  }
  o.tick(o.seconds * 1000);
  let draft = await invoke(trainee, 'script.open', { taskId: o.taskId });
  for (let i = draft.answered; ; i++) {
    const step = current(draft.state);
    if (step.kind === 'end' || step.id === o.stopBefore) break;
    draft = await invoke(trainee, 'script.answer', {
      taskId: o.taskId,
      stepId: step.id,
      value: step.id in o.answers ? o.answers[step.id] : plainAnswer(step),
      recordingId,
      offsetMs: o.spacingMs * i,
    });
  }
  await invoke(trainee, 'call.end', {
    attemptId,
    answeredAt: new Date(answeredAt).toISOString(),
    endedAt: new Date(answeredAt + o.seconds * 1000).toISOString(),
    outcome: 'answered',
    sipCode: 200,
  });
  await invoke(trainee, 'recording.finish', { recordingId, durationMs: o.seconds * 1000 });
  const resultId = uuidv7();
  await invoke(trainee, 'result.commit', {
    id: resultId,
    taskId: o.taskId,
    attemptId,
    outcome: o.outcome,
    disposition: 'connected',
    notes: '',
    retryAt: null,
    supersedesId: null,
  });
  return { attemptId, resultId, recordingId, personaId: o.personaId };
}
