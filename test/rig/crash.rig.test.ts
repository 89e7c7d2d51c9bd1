/**
 * The seat process killed (SIGKILL) in the middle of a recorded call: on restart the recording is closed as
 * `interrupted`, hashed, playable, and holds the audio up to about a second before the kill (chunks are
 * fsynced as they arrive). The seat runs as `npm start` does (scripts/start.ts), in its own process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnswerValue } from '../../shared/contract';
import { answer, current, type EngineState, start } from '../../shared/scripts/engine';
import { mergeScripts } from '../../shared/scripts/merge';
import { loadLibrary, scriptFor } from '../shared/scripts/library';
import { launchChromium } from '../support/chromium';
import { plainAnswer } from '../support/script';
import { answerInRunner, checkRecording, dialConnected, openConsole, openCustomer, rigSeat } from './console';
import { type Kamailio, startKamailio } from './kamailio';
import { requirePrivateNetwork } from './netns';
import { type RigPages, rigChromiumArgs, startPages } from './pages';

const REPO = resolve(import.meta.dirname, '../..');

/** Starts the seat as `npm start` would (without building or opening a browser); resolves with its URL. */
function startSeatProcess(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SEAT_DATA_DIR: dataDir,
    SEAT_NO_BROWSER: '1',
    SEAT_SKIP_BUILD: '1',
    // The seat alone: head office is not what these tests are about.
    SEAT_NO_HQ: '1',
  };
  delete env.DISPLAY;
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], { cwd: REPO, env });
  let out = '';
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`seat did not start:\n${out}`)), 60_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = out.match(/请在浏览器中打开：(\S+)/);
      if (m?.[1]) {
        clearTimeout(timer);
        done({ child, url: m[1] });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => fail(new Error(`seat exited ${code}:\n${out}`)));
  });
}

function recordingFiles(dir: string): string[] {
  const root = join(dir, 'recordings');
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)],
    );
  try {
    return walk(root).filter((f) => f.endsWith('.webm'));
  } catch {
    return [];
  }
}

describe.skipIf(process.env.SIP_RIG !== '1')('a seat killed during a recorded call', () => {
  let dir: string;
  let kamailio: Kamailio;
  let pages: RigPages;
  let browser: Browser;
  let customer: Awaited<ReturnType<typeof openCustomer>>;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    requirePrivateNetwork();
    dir = mkdtempSync(join(tmpdir(), 'rig-crash-'));
    kamailio = await startKamailio();
    pages = await startPages();
    browser = await launchChromium(rigChromiumArgs(pages.toneWav));
    const { seat } = await rigSeat(join(dir, 'seat.db'), kamailio.wsUrl);
    seat.close();
    // One customer phone for both calls (a second registration of the same number would fork the INVITE).
    customer = await openCustomer(browser, pages.customerUrl, kamailio.wsUrl);
  }, 60_000);

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await browser?.close();
    await pages?.close();
    await kamailio?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the recording up to about a second before the kill, closed as interrupted on restart', async () => {
    await customer.setMode('answer');

    const first = await startSeatProcess(dir);
    children.push(first.child);
    const page = await openConsole(browser, first.url, []);
    await page.getByText('电话：电话就绪').waitFor();
    await dialConnected(page, customer);
    const answeredAt = Date.now();
    // Wait until about four seconds of audio are durable on disk (64 kbit/s ≈ 8 KB a second).
    await expect
      .poll(() => recordingFiles(dir).map((f) => statSync(f).size)[0] ?? 0, {
        timeout: 20_000,
        interval: 100,
      })
      .toBeGreaterThan(30_000);
    const killedAt = Date.now();
    const exited = new Promise((done) => first.child.on('exit', done));
    first.child.kill('SIGKILL');
    await exited;
    await page.close();

    const second = await startSeatProcess(dir);
    children.push(second.child);
    const stopped = new Promise<number | null>((done) => second.child.on('exit', (code) => done(code)));
    second.child.kill('SIGINT');
    expect(await stopped).toBe(0);

    const db = new Database(join(dir, 'seat.db'), { readonly: true });
    const rec = db.prepare('SELECT path, sha256, size_bytes AS size, status FROM recordings').get() as {
      path: string;
      sha256: string;
      size: number;
      status: string;
    };
    const ending = db.prepare('SELECT outcome FROM attempt_endings').get();
    const open = db.prepare('SELECT count(*) AS n FROM recordings_open').get();
    db.close();
    expect(rec.status).toBe('interrupted');
    expect(ending).toEqual({ outcome: 'interrupted' });
    expect(open).toEqual({ n: 0 });
    expect(createHash('sha256').update(readFileSync(rec.path)).digest('hex')).toBe(rec.sha256);
    const check = checkRecording(rec.path, dir);
    expect(check.codec).toBe('opus');
    expect(check.channels).toBe(2);
    // Audio up to at most ~1 s (one chunk, plus set-up slack) before the kill.
    const callSeconds = (killedAt - answeredAt) / 1000;
    expect(check.seconds, `decoded ${check.seconds} s of a ${callSeconds} s call`).toBeGreaterThan(
      callSeconds - 1.5,
    );
    expect(check.seconds).toBeLessThan(callSeconds + 1);
  }, 120_000);

  it('killed in mid-script: after the restart the task resumes at the step it was on, earlier answers intact', async () => {
    await customer.setMode('answer');
    const first = await startSeatProcess(dir);
    children.push(first.child);
    const page = await openConsole(browser, first.url, []);
    const runner = page.getByRole('region', { name: '回访脚本' });
    await page.getByText('电话：电话就绪').waitFor();
    await dialConnected(page, customer);
    await page.locator('.rec').waitFor();

    // Task A merges new_account and satisfaction; the steps (not their filled-in texts) follow from the scripts.
    const library = loadLibrary();
    let state: EngineState = start(
      mergeScripts([scriptFor(library, 'new_account'), scriptFor(library, 'satisfaction')]),
      {
        customerSurname: '张',
        customerSex: 'female',
        branchName: '',
        salespersonName: null,
        openedDate: null,
        agentCode: 'A001',
      },
    );
    const given: { stepId: string; value: AnswerValue }[] = [];
    for (let k = 1; k <= 4; k++) {
      const step = current(state);
      const value = plainAnswer(step);
      await answerInRunner(page, step, value);
      // Saved by the seat before the runner shows the next step.
      await runner.getByText(new RegExp(`^已完成 ${k} 步`)).waitFor();
      const next = answer(state, value);
      if (!next.ok) throw new Error(next.error.en);
      state = next.value;
      given.push({ stepId: step.id, value });
    }
    const due = current(state);
    // Notes typed during the call are kept as they are typed.
    const notes = '客户表示开户时营业部工作人员很耐心。';
    await page.getByRole('region', { name: '回访小结' }).getByLabel('备注').fill(notes);
    await page.getByText('备注已保存').waitFor();
    const exited = new Promise((done) => first.child.on('exit', done));
    first.child.kill('SIGKILL');
    await exited;
    await page.close();

    const second = await startSeatProcess(dir);
    children.push(second.child);
    const again = await openConsole(browser, second.url, []);
    const resumed = again.getByRole('region', { name: '回访脚本' });
    await resumed.getByText(/^已完成 4 步/).waitFor();
    expect(await resumed.locator('.step-kind').textContent()).toBe(
      { identity: '身份核实', say: '宣读', disclosure: '必读提示', question: '提问', end: '结束语' }[
        due.kind
      ],
    );
    expect(await again.getByRole('region', { name: '回访小结' }).getByLabel('备注').inputValue()).toBe(notes);
    await again.screenshot({ path: join(REPO, 'docs/screenshots/script-resumed.png') });
    await again.close();
    const stopped = new Promise<number | null>((done) => second.child.on('exit', (code) => done(code)));
    second.child.kill('SIGINT');
    expect(await stopped).toBe(0);

    const db = new Database(join(dir, 'seat.db'), { readonly: true });
    const draft = db.prepare('SELECT state FROM script_drafts').get() as { state: string };
    db.close();
    expect((JSON.parse(draft.state) as EngineState).trail).toEqual(given);
  }, 180_000);
});
