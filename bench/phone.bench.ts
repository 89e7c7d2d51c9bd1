/**
 * The phone suite, on the SIP rig (Kamailio + Chromium, inside `unshare --net`; `npm run bench -- phone`
 * re-runs this file there through test/rig/run.sh):
 * - call_setup_ms (median) and call_setup_p90_ms: dial → established for the console (its User Timing marks
 *   `phone:dial` → `phone:established`: the seat's `call.start` and beside it getUserMedia, the offer and ICE,
 *   then the INVITE and the 200 OK) against the bare sip.js caller page with the same options (`invite()` →
 *   Established), interleaved call by call, the customer phone answering at once.
 * - recording_cpu_points: CPU of the agent's browser (all its processes, percent of one core) over a 10 s
 *   established call: the console (recording on, as it always is) against the bare caller (no recording).
 *   The difference (value − baseline) is the recording's cost plus the console's UI.
 * - chunk_to_disk_p99_ms: from MediaRecorder handing over a chunk to the seat's fsync answered (the
 *   console's `recorder:chunk-to-disk` measures), against a raw writeSync + fsyncSync of the same sizes in
 *   Node on the same disk.
 * BENCH_SMOKE=1 (bench/report.ts): 2 calls each and 1 s CPU windows.
 */
import { spawn } from 'node:child_process';
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { CUSTOMER_NUMBER, openConsole, openCustomer, rigHost, rigSeat, waitPhase } from '../test/rig/console';
import { startKamailio } from '../test/rig/kamailio';
import { inPrivateNetwork } from '../test/rig/netns';
import type { CallerWindow } from '../test/rig/page-api';
import { rigChromiumArgs, startPages } from '../test/rig/pages';
import { launchChromium } from '../test/support/chromium';
import { buildRenderer } from './build';
import { figure, quantile, report, size } from './report';

const REPO = resolve(import.meta.dirname, '..');
const CALLS = size(40, 2);
const CPU_WINDOW_MS = size(10_000, 1_000);
/** At least this many raw appends for the chunk baseline. */
const RAW_CHUNKS = size(50, 5);

/** Run from bench/run.ts: re-executes this file inside a private network namespace. */
export async function runPhoneBench(): Promise<void> {
  if (inPrivateNetwork()) return measure();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(
      'bash',
      ['test/rig/run.sh', process.execPath, '--import', 'tsx', 'bench/phone.bench.ts'],
      {
        stdio: 'inherit',
      },
    );
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`phone bench exited ${code}`))));
  });
}

/** utime + stime (clock ticks) of a process and all its descendants, from /proc. */
function treeTicks(root: number): number {
  const parents = new Map<number, number>();
  const ticks = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(fields[1]));
      ticks.set(Number(entry), Number(fields[11]) + Number(fields[12]));
    } catch {
      // The process ended while we read.
    }
  }
  let sum = 0;
  for (const [pid, t] of ticks) {
    for (let p: number | undefined = pid; p !== undefined && p > 1; p = parents.get(p)) {
      if (p === root) {
        sum += t;
        break;
      }
    }
  }
  return sum;
}

/** A switch Chromium ignores, to find the agent's browser among this process's children. */
const AGENT_MARK = '--seat-bench-agent-browser';

function agentBrowserPid(): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(AGENT_MARK)) {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (ppid === process.pid) return Number(entry);
      }
    } catch {
      // The process ended while we read.
    }
  }
  throw new Error('the agent browser process was not found');
}

/** CPU of the agent browser's process tree during `windowMs` of an established call, percent of one core. */
async function cpuPercent(windowMs: number): Promise<number> {
  const pid = agentBrowserPid();
  const hz = 100; // USER_HZ on Linux
  const t0 = treeTicks(pid);
  const start = performance.now();
  await new Promise((resolve) => setTimeout(resolve, windowMs)); // the measuring window itself, not a wait for a state
  const seconds = (performance.now() - start) / 1000;
  return ((treeTicks(pid) - t0) / hz / seconds) * 100;
}

async function measure(): Promise<void> {
  await buildRenderer();
  const dir = mkdtempSync(join(tmpdir(), 'bench-phone-'));
  const kamailio = await startKamailio();
  const pages = await startPages();
  const agentBrowser = await launchChromium([...rigChromiumArgs(pages.toneWav), AGENT_MARK]);
  const customerBrowser = await launchChromium(rigChromiumArgs(pages.toneWav));
  const { seat } = await rigSeat(join(dir, 'seat.db'), kamailio.wsUrl);
  const host = await rigHost(seat);
  try {
    const customer = await openCustomer(customerBrowser, pages.customerUrl, kamailio.wsUrl);
    await customer.setMode('answer');

    const consolePage = await openConsole(agentBrowser, `${host.url}/#token=${host.token}`, []);
    await consolePage.getByText('电话：电话就绪').waitFor();
    const bare: Page = await agentBrowser.newPage();
    await bare.goto(pages.callerUrl);
    await bare.evaluate((a) => (globalThis as unknown as CallerWindow).caller.start(a), {
      wsUrl: kamailio.wsUrl,
      user: '8002',
      iceGatheringTimeoutMs: 100,
    });

    /** Per console call, ms from `phone:dial` to each of the other User Timing marks of that call. */
    const splits: Record<string, number[]> = {};
    const consoleCall = async (holdMs = 0): Promise<number> => {
      await consolePage.getByRole('button', { name: /^拨打/ }).click();
      await waitPhase(consolePage, '通话中');
      await customer.waitCall('established');
      // No helper functions inside: tsx names them (__name), which the page does not have.
      const ms = await consolePage.evaluate(
        () =>
          (performance.getEntriesByName('phone:established').at(-1)?.startTime ?? Number.NaN) -
          (performance.getEntriesByName('phone:dial').at(-1)?.startTime ?? Number.NaN),
      );
      const marks = await consolePage.evaluate(() =>
        ['phone:started', 'phone:offer', 'phone:invite'].map(
          (name) =>
            [
              name,
              (performance.getEntriesByName(name).at(-1)?.startTime ?? Number.NaN) -
                (performance.getEntriesByName('phone:dial').at(-1)?.startTime ?? Number.NaN),
            ] as const,
        ),
      );
      for (const [name, at] of marks) splits[name] = [...(splits[name] ?? []), at];
      const cpu = holdMs > 0 ? await cpuPercent(holdMs) : 0;
      await consolePage.getByRole('button', { name: /^挂断/ }).click();
      await waitPhase(consolePage, '通话结束');
      await customer.waitCall('terminated');
      return holdMs > 0 ? cpu : ms;
    };
    const bareCall = async (holdMs = 0): Promise<number> => {
      const result = await bare.evaluate(
        (target) => (globalThis as unknown as CallerWindow).caller.dial(target),
        CUSTOMER_NUMBER,
      );
      if (result.outcome !== 'established' || result.inviteToEstablishedMs === null) {
        throw new Error(`bare call: ${JSON.stringify(result)}`);
      }
      await customer.waitCall('established');
      const cpu = holdMs > 0 ? await cpuPercent(holdMs) : 0;
      await bare.evaluate(() => (globalThis as unknown as CallerWindow).caller.hangup());
      await customer.waitCall('terminated');
      return holdMs > 0 ? cpu : result.inviteToEstablishedMs;
    };

    // Warm-up: one call each (first getUserMedia, first ICE).
    await consoleCall();
    await bareCall();
    const ours: number[] = [];
    const base: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      ours.push(await consoleCall());
      base.push(await bareCall());
    }
    const cpuOurs = await consoleCall(CPU_WINDOW_MS);
    const cpuBase = await bareCall(CPU_WINDOW_MS);

    const chunkMs = await consolePage.evaluate(() =>
      performance.getEntriesByName('recorder:chunk-to-disk').map((e) => e.duration),
    );
    await consolePage.close();
    const training = await measureTraining(agentBrowser, dir);
    // The baseline: the same number of ~8 KB appends, each fsynced, on the same disk, from Node.
    const raw: number[] = [];
    const fd = openSync(join(dir, 'raw.webm'), 'a');
    const chunk = Buffer.alloc(8192, 7);
    for (let i = 0; i < Math.max(RAW_CHUNKS, chunkMs.length, training.chunkMs.length); i++) {
      const t = performance.now();
      writeSync(fd, chunk);
      fsyncSync(fd);
      raw.push(performance.now() - t);
    }
    closeSync(fd);

    // Where the console's dial goes: the seat's answer to call.start (the attempt recorded), the offer made
    // (beside it; from then on only ICE gathering), and invite() once both are done.
    console.error(
      `phone bench: console, median ms after the dial: ${Object.entries(splits)
        .map(([name, values]) => `${name} ${quantile(values, 0.5).toFixed(1)}`)
        .join(', ')}`,
    );
    report('phone', [
      figure('phone', 'call_setup_ms', 'ms', quantile(ours, 0.5), quantile(base, 0.5), ours.length),
      figure('phone', 'call_setup_p90_ms', 'ms', quantile(ours, 0.9), quantile(base, 0.9), ours.length),
      figure('phone', 'recording_cpu_points', 'cpu_percent', cpuOurs, cpuBase, 1),
      figure(
        'phone',
        'chunk_to_disk_p99_ms',
        'ms',
        quantile(chunkMs, 0.99),
        quantile(raw, 0.99),
        chunkMs.length,
      ),
      figure(
        'phone',
        'training_call_setup_ms',
        'ms',
        quantile(training.ours, 0.5),
        quantile(training.base, 0.5),
        training.ours.length,
      ),
      figure('phone', 'training_recording_cpu_points', 'cpu_percent', training.cpuCall, training.cpuIdle, 1),
      figure(
        'phone',
        'training_chunk_to_disk_p99_ms',
        'ms',
        quantile(training.chunkMs, 0.99),
        quantile(raw, 0.99),
        training.chunkMs.length,
      ),
    ]);
  } finally {
    await agentBrowser.close();
    await customerBrowser.close();
    await host.close();
    seat.close();
    await pages.close();
    await kamailio.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A customer who answers at once and greets: the training line's own set-up, with no ringing in it. */
const INSTANT_PERSONA = {
  id: 'bench_instant',
  version: 1,
  name: '基准客户（立即接听）',
  description: '振铃 0 毫秒即接听并问好，只用于测量演练线路的接通耗时。',
  line: { kind: 'answer', ringMs: 0 },
  turns: [{ clip: 'hello.ogg', text: '喂，您好，哪位？', after: 'answer', delayMs: 0 }],
};

/**
 * The training line (#15) on a seat of its own (no PBX, training allowed, one persona who answers at once):
 * - training_call_setup_ms: the console's `phone:dial` → `phone:established` (call.start, the microphone, the
 *   clips decoded, the remote stream and the recorder set up), against the same page's getUserMedia plus an
 *   RTCPeerConnection loopback to connected (what any WebRTC call costs before the far end answers);
 * - training_recording_cpu_points: the agent browser's CPU over an established training call (recording on)
 *   against the same window with the call ended;
 * - training_chunk_to_disk_p99_ms: as chunk_to_disk_p99_ms, for the training calls' recordings.
 */
async function measureTraining(browser: Browser, dir: string) {
  const personas = join(dir, 'personas');
  mkdirSync(personas);
  writeFileSync(join(personas, 'bench_instant.json'), JSON.stringify(INSTANT_PERSONA));
  const { seat, branch } = await rigSeat(join(dir, 'training.db'), '');
  seat.store.setSetting(branch.batch.agents[0]?.id ?? '', 'training.enabled', true);
  const loaded = seat.loadPersonas(personas, join(REPO, 'assets/training/voices'));
  if (loaded.rejected.length > 0) throw new Error(JSON.stringify(loaded.rejected));
  const host = await rigHost(seat);
  try {
    const page = await openConsole(browser, `${host.url}/#token=${host.token}`, []);
    await page.getByText('电话：演练线路').waitFor();
    await page.getByLabel('演练客户').selectOption('bench_instant');
    const call = async (holdMs = 0): Promise<number> => {
      await page.getByRole('button', { name: /^拨打/ }).click();
      await waitPhase(page, '通话中');
      const ms = await page.evaluate(
        () =>
          (performance.getEntriesByName('phone:established').at(-1)?.startTime ?? Number.NaN) -
          (performance.getEntriesByName('phone:dial').at(-1)?.startTime ?? Number.NaN),
      );
      const cpu = holdMs > 0 ? await cpuPercent(holdMs) : 0;
      await page.getByRole('button', { name: /^挂断/ }).click();
      await waitPhase(page, '通话结束');
      return holdMs > 0 ? cpu : ms;
    };
    // A string, not a function: tsx would name inner functions (__name), which the page does not have.
    const loopback = (): Promise<number> =>
      page.evaluate(`(async () => {
        const t0 = performance.now();
        const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
        const a = new RTCPeerConnection();
        const b = new RTCPeerConnection();
        a.onicecandidate = (e) => e.candidate && b.addIceCandidate(e.candidate);
        b.onicecandidate = (e) => e.candidate && a.addIceCandidate(e.candidate);
        for (const track of stream.getTracks()) a.addTrack(track, stream);
        const connected = new Promise((resolve) => {
          a.onconnectionstatechange = () => a.connectionState === 'connected' && resolve();
        });
        await a.setLocalDescription(await a.createOffer());
        await b.setRemoteDescription(a.localDescription);
        await b.setLocalDescription(await b.createAnswer());
        await a.setRemoteDescription(b.localDescription);
        await connected;
        const ms = performance.now() - t0;
        a.close();
        b.close();
        for (const track of stream.getTracks()) track.stop();
        return ms;
      })()`);

    await call();
    await loopback();
    const ours: number[] = [];
    const base: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      ours.push(await call());
      base.push(await loopback());
    }
    const cpuCall = await call(CPU_WINDOW_MS);
    const cpuIdle = await cpuPercent(CPU_WINDOW_MS);
    const chunkMs = await page.evaluate(() =>
      performance.getEntriesByName('recorder:chunk-to-disk').map((e) => e.duration),
    );
    await page.close();
    return { ours, base, cpuCall, cpuIdle, chunkMs };
  } finally {
    await host.close();
    seat.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await measure();
