/**
 * The training line's phone (renderer/phone/training-phone.ts, bundled with esbuild) in real Chromium against
 * the web host and a real seat on SQLite: a simulated customer answers and speaks a 1.5 s tone burst, and the
 * product's real path records it: the attempt and its ending through the seat contract, the mandatory stereo
 * recording with Chromium's fake (beeping) microphone on the left and the customer's clip on the right, the
 * marks; a busy persona ends as busy (486) and a silent one as no answer, neither with a recording. The
 * customer's `agent_speaks` turns wait for the agent: for a recorded answer (`mark()`) when the microphone is
 * silent (Chromium's fake one only beeps), or for the agent to speak and pause (a synthetic microphone the
 * page drives), whichever comes first.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Seat } from '../../electron/seat/seat';
import { startWebHost, type WebHost } from '../../electron/web-host';
import type { CallStatus } from '../../shared/phone/service';
import { launchChromium } from '../support/chromium';
import { BRANCH, PASSWORD, smallBranch, tempDir } from '../support/fixtures';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TIMEOUT = 30_000;
const CLIP_SECONDS = 1.5;

/** The page: the seat's browser transport and a training phone per persona, with what it reports recorded. */
const ENTRY = `
import { connectSeat } from './renderer/transport/index';
import { createTrainingPhone } from './renderer/phone/training-phone';
const w = window as any;
// The clips, as bytes: the page's own static folder stands in for the seat's training.clip here.
const loadClip = (clip) =>
  fetch('/clips/' + clip).then((r) => {
    if (!r.ok) throw new Error(clip + ': ' + r.status);
    return r.arrayBuffer();
  });
// A microphone the test speaks into: a 440 Hz tone, silent until __speak(ms).
let voice = null;
const syntheticMic = {
  getUserMedia: async () => {
    const ac = new AudioContext();
    const tone = ac.createOscillator();
    tone.frequency.value = 440;
    voice = ac.createGain();
    voice.gain.value = 0;
    const out = ac.createMediaStreamDestination();
    tone.connect(voice).connect(out);
    tone.start();
    await ac.resume();
    return out.stream;
  },
};
connectSeat().then(
  (seat) => {
    w.__seat = seat;
    w.__open = (persona, options = {}) => {
      const phone = createTrainingPhone(seat, persona, {
        loadClip,
        ...(options.syntheticMic ? { mediaDevices: syntheticMic } : {}),
      });
      const log = { statuses: [], remote: [], input: [], progress: [], marks: [], spoke: null, errors: [] };
      phone.on('call', (s) => log.statuses.push(s));
      phone.on('remoteLevel', (v) => log.remote.push(v));
      phone.on('inputLevel', (v) => log.input.push(v));
      phone.onProgress((p) => log.progress.push(p && { ...p, at: performance.now() }));
      w.__phone = phone;
      w.__log = log;
    };
    w.__mark = (label) => {
      w.__log.marks.push(performance.now());
      return w.__phone.mark(label);
    };
    w.__speak = (ms) => {
      voice.gain.value = 0.5;
      setTimeout(() => {
        voice.gain.value = 0;
        w.__log.spoke = performance.now();
      }, ms);
    };
  },
  (error) => { w.__seatError = error.message; },
);
`;

const INDEX = `<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>演练线路 e2e</title><script type="module" src="/app.js"></script></head>
<body></body>
</html>
`;

interface Progress {
  attemptId: string;
  personaId: string;
  played: number;
  total: number;
  /** performance.now() in the page when it was reported. */
  at: number;
}

interface Log {
  statuses: CallStatus[];
  remote: number[];
  input: number[];
  progress: (Progress | null)[];
  /** performance.now() of each mark() the test made, and of the end of the synthetic speech. */
  marks: number[];
  spoke: number | null;
}

/** renderer/phone/training-phone.ts's `TrainingPersona` (test/ compiles without the DOM types it needs). */
interface TrainingPersona {
  id: string;
  line: { kind: 'answer' | 'busy' | 'no_answer'; ringMs: number; sipCode?: number };
  turns: { clip: string; after: 'answer' | 'previous' | 'agent_speaks'; delayMs: number }[];
  hangUpAfterMs?: number;
}

/** What the page's script puts on `window` (test/ has no DOM lib). */
interface PageWindow {
  __seat: { invoke(method: string, args: unknown): Promise<{ ok: boolean }> };
  __seatError?: string;
  __open(persona: TrainingPersona, options?: { syntheticMic?: boolean }): void;
  __mark(label: string): Promise<void>;
  __speak(ms: number): void;
  __phone: {
    training: boolean;
    registration: { state: string };
    call: CallStatus | null;
    dial(taskId: string): Promise<void>;
    hangup(): Promise<void>;
    mark(label: string): Promise<void>;
    clear(): void;
  };
  __log: Log;
}

describe('the training phone in Chromium against the web host', () => {
  let tmp: ReturnType<typeof tempDir>;
  let seat: Seat;
  let branch: Awaited<ReturnType<typeof smallBranch>>;
  let host: WebHost;
  let browser: Browser;
  let page: Page;

  const ending = (attemptId: string) =>
    seat.store.db
      .prepare(
        `SELECT outcome, sip_code AS sipCode, answered_at AS answeredAt FROM attempt_endings WHERE attempt_id = ?`,
      )
      .get(attemptId) as { outcome: string; sipCode: number | null; answeredAt: string | null } | undefined;
  const recordingsOf = (attemptId: string) =>
    seat.store.db
      .prepare(
        `SELECT id FROM recordings WHERE attempt_id = ? UNION ALL SELECT id FROM recordings_open WHERE attempt_id = ?`,
      )
      .all(attemptId, attemptId);

  beforeAll(async () => {
    tmp = tempDir();
    seat = Seat.open({ dbPath: tmp.file('seat.db'), appVersion: '0.1.0-e2e', onDefect: () => {} });
    seat.store.ensureSeat(BRANCH);
    branch = await smallBranch();
    seat.store.importReferenceData(branch.batch);
    // The training line is an administrator's choice; no PBX is configured. The seat knows the shipped
    // personas (the attempt names one); the phone here plays the test's own turns and clip.
    const admin = branch.batch.agents[0]?.id ?? '';
    seat.store.setSetting(admin, 'training.enabled', true);
    seat.loadPersonas(join(REPO, 'assets/training/personas'));

    const staticDir = tmp.file('static');
    mkdirSync(join(staticDir, 'clips'), { recursive: true });
    writeFileSync(join(staticDir, 'index.html'), INDEX);
    // The customer's clip: a 1.5 s tone burst, peak 0.5 (lavfi's sine is 1/8 at volume 1), about −9 dBFS RMS.
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      `sine=f=660:d=${CLIP_SECONDS}:sample_rate=48000,volume=4`,
      '-ac',
      '1',
      join(staticDir, 'clips', 'burst.wav'),
    ]);
    await build({
      stdin: { contents: ENTRY, resolveDir: REPO, loader: 'ts', sourcefile: 'e2e-training.ts' },
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'chrome120',
      outfile: join(staticDir, 'app.js'),
      logLevel: 'silent',
    });
    host = await startWebHost({ seat, staticDir });
    browser = await launchChromium([
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      '--autoplay-policy=no-user-gesture-required',
      '--disable-background-timer-throttling',
      '--disable-renderer-backgrounding',
    ]);
    page = await browser.newPage();
    page.setDefaultTimeout(TIMEOUT);
    await page.goto(`${host.url}/#token=${host.token}`);
    await page.waitForFunction(
      () =>
        (globalThis as unknown as PageWindow).__seat !== undefined ||
        (globalThis as unknown as PageWindow).__seatError !== undefined,
    );
    const login = await page.evaluate(
      (password) =>
        (globalThis as unknown as PageWindow).__seat.invoke('session.login', { agentCode: 'A001', password }),
      PASSWORD,
    );
    expect(login.ok).toBe(true);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    seat?.close();
    tmp?.cleanup();
  });

  const dial = async (persona: TrainingPersona, taskId: string, syntheticMic = false) => {
    await page.evaluate(
      async ({ persona, taskId, syntheticMic }) => {
        (globalThis as unknown as PageWindow).__open(persona, { syntheticMic });
        await (globalThis as unknown as PageWindow).__phone.dial(taskId);
      },
      { persona, taskId, syntheticMic },
    );
  };
  const phaseIs = (phase: string) =>
    page.waitForFunction((p) => (globalThis as unknown as PageWindow).__phone.call?.phase === p, phase, {
      timeout: TIMEOUT,
    });
  const log = () => page.evaluate(() => (globalThis as unknown as PageWindow).__log);

  it('answers, speaks the clip as the remote stream, and records it on the right channel', async () => {
    await dial(
      {
        id: 'cooperative',
        line: { kind: 'answer', ringMs: 400 },
        turns: [{ clip: 'burst.wav', after: 'answer', delayMs: 300 }],
      },
      branch.ids.taskA,
    );
    const ready = await page.evaluate(() => ({
      training: (globalThis as unknown as PageWindow).__phone.training,
      registration: (globalThis as unknown as PageWindow).__phone.registration.state,
    }));
    expect(ready).toEqual({ training: true, registration: 'registered' });
    await phaseIs('established');
    await page.evaluate(() => (globalThis as unknown as PageWindow).__phone.mark('identity'));
    // The clip has played once the customer's meter has risen and fallen back to silence.
    await page.waitForFunction(() => {
      const levels = (globalThis as unknown as PageWindow).__log.remote;
      const peak = levels.findIndex((v) => v > 0.6);
      return peak >= 0 && levels.slice(peak).some((v) => v < 0.05);
    });
    await page.evaluate(() => (globalThis as unknown as PageWindow).__phone.hangup());
    await phaseIs('ended');

    const { statuses, input } = await log();
    const phases = statuses.map((s) => s.phase).filter((p, i, all) => p !== all[i - 1]);
    expect(phases).toEqual(['dialing', 'ringing', 'established', 'ended']);
    const last = statuses.at(-1) as CallStatus;
    expect(last).toMatchObject({ outcome: 'answered', sipCode: 200 });
    expect(last.recordingId).not.toBeNull();
    // The fake microphone beeps: the agent's meter moved too.
    expect(Math.max(...input)).toBeGreaterThan(0.3);

    expect(ending(last.attemptId)).toMatchObject({ outcome: 'answered', sipCode: 200 });
    expect(ending(last.attemptId)?.answeredAt).not.toBeNull();
    const finished = await waitFor(
      () =>
        seat.store.db
          .prepare(
            `SELECT path, status FROM recordings WHERE id = ? AND attempt_id = ? AND status = 'finished'`,
          )
          .get(last.recordingId, last.attemptId) as { path: string } | undefined,
    );
    const marks = seat.store.db
      .prepare('SELECT label FROM recording_marks WHERE recording_id = ?')
      .all(last.recordingId) as { label: string }[];
    expect(marks.map((m) => m.label)).toEqual(['identity']);

    const probe = JSON.parse(
      execFileSync(
        'ffprobe',
        ['-v', 'error', '-show_entries', 'stream=codec_name,channels', '-of', 'json', finished.path],
        {
          encoding: 'utf8',
        },
      ),
    ) as { streams: { codec_name: string; channels: number }[] };
    expect(probe.streams).toEqual([{ codec_name: 'opus', channels: 2 }]);
    const right = voicedSeconds(finished.path, 1);
    expect(Math.abs(right - CLIP_SECONDS), `right channel voiced ${right} s`).toBeLessThanOrEqual(0.5);
    expect(voicedSeconds(finished.path, 0), 'left channel: the fake microphone').toBeGreaterThan(0.1);
  });

  it('ends from the customer side after hangUpAfterMs, as an answered call', async () => {
    await dial(
      {
        id: 'hangs_up',
        line: { kind: 'answer', ringMs: 100 },
        turns: [{ clip: 'burst.wav', after: 'answer', delayMs: 0 }],
        hangUpAfterMs: 200,
      },
      branch.ids.taskB,
    );
    await phaseIs('ended');
    const last = (await log()).statuses.at(-1) as CallStatus;
    expect(last).toMatchObject({ outcome: 'answered', sipCode: 200 });
    // The customer hung up only after their turn: at least the clip's length after answering.
    expect((last.endedAt ?? 0) - (last.answeredAt ?? 0)).toBeGreaterThanOrEqual(CLIP_SECONDS * 1000);
    expect(ending(last.attemptId)).toMatchObject({ outcome: 'answered', sipCode: 200 });
    await waitFor(
      () =>
        seat.store.db
          .prepare(`SELECT id FROM recordings WHERE attempt_id = ? AND status = 'finished'`)
          .get(last.attemptId) as { id: string } | undefined,
    );
  });

  it('a busy persona ends as busy with 486, unrecorded', async () => {
    await dial(
      { id: 'busy', line: { kind: 'busy', ringMs: 300, sipCode: 486 }, turns: [] },
      branch.ids.taskC,
    );
    await phaseIs('ended');
    const { statuses } = await log();
    expect(statuses.map((s) => s.phase).filter((p, i, all) => p !== all[i - 1])).toEqual([
      'dialing',
      'ringing',
      'ended',
    ]);
    const last = statuses.at(-1) as CallStatus;
    expect(last).toMatchObject({ outcome: 'busy', sipCode: 486, answeredAt: null, recordingId: null });
    await waitFor(() => ending(last.attemptId));
    expect(ending(last.attemptId)).toEqual({ outcome: 'busy', sipCode: 486, answeredAt: null });
    expect(recordingsOf(last.attemptId)).toEqual([]);
  });

  it('a no-answer persona ends as no answer', async () => {
    await dial({ id: 'no_answer', line: { kind: 'no_answer', ringMs: 300 }, turns: [] }, branch.ids.taskA);
    await phaseIs('ended');
    const last = (await log()).statuses.at(-1) as CallStatus;
    expect(last).toMatchObject({ outcome: 'no_answer', sipCode: 480, recordingId: null });
    await waitFor(() => ending(last.attemptId));
    expect(ending(last.attemptId)).toEqual({ outcome: 'no_answer', sipCode: 480, answeredAt: null });
    expect(recordingsOf(last.attemptId)).toEqual([]);
  });

  it('the seat’s ring timeout cancels a line that rings longer: 487 after our CANCEL, no answer', async () => {
    const started = Date.now();
    await page.evaluate(async (taskId) => {
      const w = globalThis as unknown as PageWindow;
      w.__open({ id: 'no_answer', line: { kind: 'no_answer', ringMs: 60_000 }, turns: [] });
      await (w.__phone as unknown as { configure(c: unknown): Promise<void> }).configure({
        wsUrl: '',
        uri: '',
        authUser: '',
        password: '',
        displayName: '',
        iceServers: [],
        iceGatheringTimeoutMs: 500,
        ringTimeoutSec: 10,
        echoCancellation: true,
        noiseSuppression: true,
        autoGainControl: true,
        inputDeviceId: '',
        outputDeviceId: '',
      });
      await w.__phone.dial(taskId);
    }, branch.ids.taskA);
    await phaseIs('ringing');
    await page.waitForFunction(
      () => (globalThis as unknown as PageWindow).__phone.call?.phase === 'ended',
      null,
      {
        timeout: 20_000,
      },
    );
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThan(9_500);
    expect(elapsed).toBeLessThan(20_000);
    const last = (await log()).statuses.at(-1) as CallStatus;
    expect(last).toMatchObject({ outcome: 'no_answer', sipCode: 487, recordingId: null });
    await waitFor(() => ending(last.attemptId));
    expect(ending(last.attemptId)).toEqual({ outcome: 'no_answer', sipCode: 487, answeredAt: null });
  }, 40_000);

  const playedIs = (played: number) =>
    page.waitForFunction(
      (n) => (globalThis as unknown as PageWindow).__log.progress.at(-1)?.played === n,
      played,
      { timeout: TIMEOUT },
    );
  /** The customer's meter rose (a clip) and fell back to silence, counting from level report `from`. */
  const clipSaid = (from = 0) =>
    page.waitForFunction(
      (from) => {
        const levels = (globalThis as unknown as PageWindow).__log.remote.slice(from);
        const peak = levels.findIndex((v) => v > 0.6);
        return peak >= 0 && levels.slice(peak).some((v) => v < 0.05);
      },
      from,
      { timeout: TIMEOUT },
    );
  const twoTurns = (id: string, delayMs: number): TrainingPersona => ({
    id,
    line: { kind: 'answer', ringMs: 100 },
    turns: [
      { clip: 'burst.wav', after: 'answer', delayMs: 0 },
      { clip: 'burst.wav', after: 'agent_speaks', delayMs },
    ],
  });

  it('an agent_speaks turn waits, with a silent microphone, for the agent to record an answer', async () => {
    await dial(twoTurns('cooperative', 300), branch.ids.taskB);
    await phaseIs('established');
    await playedIs(1);
    expect((await log()).progress.at(-1)).toMatchObject({ personaId: 'cooperative', played: 1, total: 2 });
    await clipSaid();
    // Two seconds more of the fake microphone's levels (20 a second; it only beeps, 20 ms twice a second):
    // well past the pause and the delay, and the customer still waits.
    const heard = (await log()).input.length;
    await page.waitForFunction(
      (n) => (globalThis as unknown as PageWindow).__log.input.length >= n + 40,
      heard,
      { timeout: TIMEOUT },
    );
    expect((await log()).progress.at(-1)?.played).toBe(1);
    const said = (await log()).remote.length;

    await page.evaluate(() => (globalThis as unknown as PageWindow).__mark('identity'));
    await playedIs(2);
    const { progress, marks } = await log();
    const second = progress.at(-1) as Progress;
    expect(second).toMatchObject({ played: 2, total: 2 });
    // The turn's delay counts from the answer recorded.
    expect(second.at - (marks[0] as number)).toBeGreaterThanOrEqual(300 - 50);
    expect(second.at - (marks[0] as number)).toBeLessThan(1500);
    await clipSaid(said);
    await page.evaluate(() => (globalThis as unknown as PageWindow).__phone.hangup());
    await phaseIs('ended');
    const last = (await log()).statuses.at(-1) as CallStatus;
    expect(last).toMatchObject({ outcome: 'answered', sipCode: 200 });
    // Progress stays with the ended call, for the panel to show.
    expect((await log()).progress.at(-1)).toMatchObject({ attemptId: last.attemptId, played: 2 });
  });

  it('an agent_speaks turn starts delayMs after the agent has spoken and paused', async () => {
    await dial(twoTurns('misconduct', 200), branch.ids.taskC, true);
    await phaseIs('established');
    await playedIs(1);
    await clipSaid();
    // A blip shorter than speech (100 ms) is not the agent speaking.
    const heard = (await log()).input.length;
    await page.evaluate(() => (globalThis as unknown as PageWindow).__speak(100));
    await page.waitForFunction(
      (n) => (globalThis as unknown as PageWindow).__log.input.length >= n + 30,
      heard,
      { timeout: TIMEOUT },
    );
    expect((await log()).progress.at(-1)?.played).toBe(1);

    // The agent speaks for 600 ms, then pauses: the customer answers 700 ms + 200 ms later, with no mark.
    await page.evaluate(() => (globalThis as unknown as PageWindow).__speak(600));
    await playedIs(2);
    const { progress, marks, spoke, input } = await log();
    expect(marks).toEqual([]);
    expect(Math.max(...input), 'the synthetic microphone reached the meter').toBeGreaterThan(0.6);
    const after = (progress.at(-1) as Progress).at - (spoke as number);
    expect(after).toBeGreaterThanOrEqual(700 + 200 - 100);
    expect(after).toBeLessThan(700 + 200 + 1000);
    await page.evaluate(() => (globalThis as unknown as PageWindow).__phone.hangup());
    await phaseIs('ended');
  });
});

/** Waits until the seat's database (written by the page's calls) holds what `read` looks for. */
async function waitFor<T>(read: () => T | undefined): Promise<T> {
  await expect.poll(read, { timeout: TIMEOUT }).not.toBeUndefined();
  return read() as T;
}

/**
 * Seconds of one channel (0 left, 1 right) above −40 dBFS, in 10 ms windows, decoded by ffmpeg (to a pipe:
 * the recording itself is evidence and stays untouched).
 */
function voicedSeconds(path: string, channel: 0 | 1): number {
  const rate = 8000;
  const pcm = execFileSync(
    'ffmpeg',
    [
      '-v',
      'error',
      '-i',
      path,
      '-af',
      `pan=mono|c0=c${channel}`,
      '-ar',
      String(rate),
      '-f',
      'f32le',
      'pipe:1',
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const samples = new Float32Array(pcm.buffer, pcm.byteOffset, pcm.byteLength / 4);
  const window = rate / 100;
  let voiced = 0;
  for (let from = 0; from + window <= samples.length; from += window) {
    let sum = 0;
    for (let i = from; i < from + window; i++) sum += (samples[i] ?? 0) ** 2;
    if (Math.sqrt(sum / window) > 0.01) voiced += 1;
  }
  return voiced / 100;
}
