/**
 * A whole callback on the training line (#15, "done when"), with no rig and no Kamailio: head office (a real
 * process on PGlite) and a seat enrolled with it, the built console in Debian's Chromium through the web host,
 * the training line allowed and no PBX. The agent dials; the customer who reports promised returns
 * (`misconduct`) answers and speaks; the script is walked by keyboard (number keys, Space, Enter), the answer
 * at the promised returns raising its finding; the result is committed. The recording is stereo, the agent's
 * fake microphone on the left and the customer's clips on the right (ffprobe; voiced time on the right within
 * 0.5 s of the clips' own voiced time); it syncs home flagged training: in the training view with its
 * completeness, absent from the results search and from coverage.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessBridge } from '../../electron/seat/in-process';
import { Seat } from '../../electron/seat/seat';
import type { AnswerValue, SeatBridge } from '../../shared/contract';
import { plainAnswer } from '../../shared/scripts/answers';
import {
  type ConsoleScene,
  customerOf,
  openConsoleScene,
  persona,
  REPO,
  untilCustomerListens,
} from '../support/console-scene';
import { BRANCH, PASSWORD, tempDir } from '../support/fixtures';
import { freshDatabase } from '../support/hq-db';
import { freePort, startHqProcess } from '../support/hq-process';
import { seedHq } from '../support/hq-seed';
import { invoke } from '../support/review-scene';

const VOICES = join(REPO, 'assets/training/voices');
const T = 30_000;

/**
 * Seconds of voice in channel `channel` (0 left, 1 right; null: a mono file): 20 ms frames of the channel
 * decoded by ffmpeg (16 kHz PCM) whose RMS is above -30 dBFS. The same measure for the recording and for the
 * clips. The clips are generated near full scale, so speech is well above it; lower (-45 dBFS) the recording
 * counts ~40 ms more per clip, the low tails Opus smears around each clip's edges.
 */
function voiced(file: string, channel: number | null): number {
  const pan = channel === null ? 'aformat=channel_layouts=mono' : `pan=mono|c0=c${channel}`;
  const pcm = execFileSync(
    'ffmpeg',
    ['-v', 'error', '-i', file, '-af', pan, '-ar', '16000', '-f', 's16le', '-acodec', 'pcm_s16le', '-'],
    { maxBuffer: 256 * 1024 * 1024 },
  );
  const samples = new Int16Array(pcm.buffer, pcm.byteOffset, Math.floor(pcm.length / 2));
  const frame = 320;
  const threshold = 32768 * 10 ** (-30 / 20);
  let frames = 0;
  for (let i = 0; i + frame <= samples.length; i += frame) {
    let sum = 0;
    for (let j = i; j < i + frame; j++) sum += (samples[j] as number) ** 2;
    if (Math.sqrt(sum / frame) > threshold) frames++;
  }
  return (frames * frame) / 16000;
}

describe('a callback on the training line, end to end (browser seat, head office)', () => {
  const tmp = tempDir();
  let stopHq: (() => Promise<void>) | null = null;
  let dropDb: (() => Promise<void>) | null = null;
  let seat: Seat;
  let scene: ConsoleScene;
  let supervisor: SeatBridge & { close(): void };
  let seeded: Awaited<ReturnType<typeof seedHq>>;

  beforeAll(async () => {
    const hqDir = join(tmp.dir, 'hq');
    mkdirSync(hqDir);
    const database = await freshDatabase('pglite', hqDir);
    const db = await database.open();
    seeded = await seedHq(db, { customers: 2, purposes: ['new_account'] });
    await db.close();
    const hq = startHqProcess({
      HQ_DATA_DIR: hqDir,
      DATABASE_URL: database.options().databaseUrl,
      HQ_PORT: String(await freePort()),
    });
    stopHq = () => hq.stop();
    dropDb = () => database.drop();
    const hqUrl = await hq.url;
    seat = Seat.open({
      dbPath: tmp.file('seat.db'),
      appVersion: 'e2e',
      onDefect: () => {},
      sync: { intervalMs: 200, maxBackoffMs: 400 },
    });
    seat.store.ensureSeat(BRANCH);
    seat.loadScripts([join(REPO, 'assets/scripts')]);
    expect(seat.loadPersonas(join(REPO, 'assets/training/personas')).rejected).toEqual([]);
    supervisor = inProcessBridge(seat);
    await invoke(supervisor, 'sync.enrol', { hqUrl, code: 'SH01', password: PASSWORD, name: '演练坐席' });
    await seat.sync.round();
    // The administrator's choice at this seat (no PBX here): its agents may practise.
    seat.store.setSetting(seeded.agent, 'training.enabled', true);
    seat.startSync();
    // The console on this seat, served with the seat's own content security policy.
    scene = await openConsoleScene({ seat, seatCsp: true, timeout: T });
  }, 120_000);

  afterAll(async () => {
    await scene?.close();
    supervisor?.close();
    await seat?.shutdown();
    await stopHq?.();
    await dropDb?.();
    tmp.cleanup();
  });

  it('dials, the customer answers and speaks, the script is walked by keyboard, and it syncs home as training', async () => {
    const { page } = scene;
    await scene.login('A001', { password: PASSWORD });
    await page.locator('.status-bar').getByText('电话：演练线路').waitFor();
    const list = page.getByRole('listbox', { name: '回访任务列表' });
    await list.getByRole('option').first().click();
    const taskId =
      (await page.locator('[role="option"].open').getAttribute('id'))?.replace(/^task-/, '') ?? '';
    expect(seeded.tasks).toContain(taskId);
    const task = page.locator('.task-view');
    const panel = task.getByRole('region', { name: '通话' });
    await panel.getByLabel('演练客户').selectOption('misconduct');
    await page.keyboard.press('F9');
    await panel.getByRole('status').filter({ hasText: '通话中' }).waitFor();
    const progress = panel.locator('.training-progress');
    await progress.and(page.locator('[data-played="1"]')).waitFor();

    // The script, by keyboard: each step's answer as the store will see it, the finding raised where this
    // customer gives cause (the salesperson promised returns).
    const runner = task.getByRole('region', { name: '回访脚本' });
    for (let guard = 0; guard < 60; guard++) {
      const step = scene.stepOf(taskId);
      if (step.kind === 'end') break;
      const value: AnswerValue = plainAnswer(step, step.id === 'conduct.promised_returns');
      // As an agent does: the customer has said their piece and waits (or has no more to say).
      await untilCustomerListens(progress, T);
      await scene.answerStep(taskId, runner, value);
    }
    // The customer has said what the recorded answers cued, to its end.
    await expect
      .poll(
        async () => {
          const c = await customerOf(progress);
          return c.played > 10 && c.played === c.spoken;
        },
        { timeout: T },
      )
      .toBe(true);
    const { played } = await customerOf(progress);

    await page.keyboard.press('F10');
    await panel.getByRole('status').filter({ hasText: '通话结束 · 已接通' }).waitFor();
    const wrapup = task.getByRole('region', { name: /回访小结/ });
    await wrapup.getByText('演练通话：结果将保存为练习记录，不作为回访记录。').waitFor();
    expect(await wrapup.getByLabel('回访结果').inputValue()).toBe('completed');
    await wrapup.getByRole('button', { name: /提交结果/ }).click();
    await task.getByRole('status').filter({ hasText: '已保存为演练结果' }).waitFor();

    // The recording: stereo, the fake microphone (beeps) left, the customer's clips right.
    const rec = seat.store.db
      .prepare(
        `SELECT r.id, r.path FROM recordings r JOIN attempts a ON a.id = r.attempt_id
         WHERE a.task_id = ? AND a.training_persona_id = 'misconduct'`,
      )
      .get(taskId) as { id: string; path: string };
    const file = resolve(join(tmp.dir, 'recordings'), rec.path);
    const channels = execFileSync(
      'ffprobe',
      ['-v', 'error', '-select_streams', 'a:0', '-show_entries', 'stream=channels', '-of', 'csv=p=0', file],
      { encoding: 'utf8' },
    ).trim();
    expect(channels).toBe('2');
    const clips = persona('misconduct')
      .turns.slice(0, played)
      .map((t) => t.clip);
    const clipsVoiced = clips.reduce((s, clip) => s + voiced(join(VOICES, clip), null), 0);
    const right = voiced(file, 1);
    expect(Math.abs(right - clipsVoiced)).toBeLessThan(0.5);
    expect(voiced(file, 0)).toBeGreaterThan(1);

    // Home, flagged training: the training view has it with its completeness; the search and coverage do not.
    await expect.poll(() => seat.store.outboxStatus().pending, { timeout: T }).toBe(0);
    await expect.poll(() => seat.store.uploadsWaiting(), { timeout: T }).toBe(0);
    await invoke(supervisor, 'session.login', { agentCode: 'SH01', password: PASSWORD });
    const view = await invoke(supervisor, 'review.training', { limit: 10 });
    expect(view.items).toEqual([
      expect.objectContaining({
        personaId: 'misconduct',
        attemptOutcome: 'answered',
        resultOutcome: 'completed',
        recordingId: rec.id,
        findingsCorrect: true,
        completeness: expect.objectContaining({
          findingsExpected: ['conduct.promised_returns'],
          findingsRaised: ['conduct.promised_returns'],
        }),
      }),
    ]);
    const search = await invoke(supervisor, 'review.search', { limit: 50 });
    expect(search.items).toEqual([]);
    const day = 86_400_000;
    const report = await invoke(supervisor, 'review.report', {
      from: new Date(Date.now() - 30 * day).toISOString(),
      to: new Date(Date.now() + day).toISOString(),
    });
    expect(report.coverage.reduce((s, c) => s + c.completed, 0)).toBe(0);
    expect(report.coverage.reduce((s, c) => s + c.required, 0)).toBeGreaterThan(0);
  }, 240_000);
});
