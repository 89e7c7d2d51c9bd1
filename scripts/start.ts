/**
 * `npm start`: builds the renderer and the Electron entry points, then starts the seat on its embedded
 * defaults — a SQLite file under the user's data directory, the demo branch on first start.
 * Electron when its binary is on this machine; otherwise the browser seat: the same seat services behind the
 * WebSocket web host, opened in Chromium's app mode when there is a display, else the URL is printed.
 * Ctrl+C stops everything.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEMO_PASSWORD, seedDemo } from '../electron/seat/demo/seed';
import { Seat } from '../electron/seat/seat';
import { StoreOpenError } from '../electron/seat/store/database';
import { enrolSeat } from '../electron/seat/sync/enrol';
import { startWebHost } from '../electron/web-host';
import { buildApp } from '../hq/app';
import { openHqDb } from '../hq/db/database';
import { DirectoryRecordingStore } from '../hq/recordings/store';
import { logCalendarWarnings } from '../hq/watch';
import { seatContentSecurityPolicy } from '../shared/csp';
import { buildAll } from './build';
import { electronBinary } from './electron-binary';
import { seedHqDemo } from './hq-demo';
import { writeLaunchPage } from './launch-page';

const APP_VERSION = process.env.npm_package_version ?? '0.0.0';

/** Where the seat keeps its data when nobody says otherwise (Electron's userData on Linux is the same place). */
function dataDir(): string {
  if (process.env.SEAT_DATA_DIR) return resolve(process.env.SEAT_DATA_DIR);
  if (process.platform === 'win32' && process.env.APPDATA)
    return join(process.env.APPDATA, 'callback-console');
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'callback-console');
}

interface LocalHq {
  url: string;
  /** The demo branch, when this start created head office's data. */
  branch: { branchId: string; branchName: string } | null;
  close(): Promise<void>;
}

/**
 * Head office beside the seat, so that a newcomer's console syncs out of the box: PGlite under the data
 * directory, the demo branch on its first start, on 127.0.0.1:8610 (or any free port when that is taken).
 * SEAT_HQ_URL names another head office instead; SEAT_NO_HQ=1 runs the seat alone.
 */
async function startLocalHq(seatDir: string): Promise<LocalHq | null> {
  if (process.env.SEAT_NO_HQ) return null;
  if (process.env.SEAT_HQ_URL) return { url: process.env.SEAT_HQ_URL, branch: null, close: async () => {} };
  const dir = process.env.SEAT_DATA_DIR ? join(seatDir, 'hq') : join(dataDir(), '..', 'callback-console-hq');
  mkdirSync(join(dir, 'recordings'), { recursive: true });
  const db = await openHqDb({ dataDir: join(dir, 'pgdata') });
  const fresh = (await db.db.selectFrom('branches').select('id').limit(1).execute()).length === 0;
  const hq = { db, recordings: new DirectoryRecordingStore(join(dir, 'recordings')), now: () => new Date() };
  const branch = fresh ? await seedHqDemo(hq) : null;
  const app = await buildApp(hq, { uploadsDir: join(dir, 'uploads') });
  let url: string;
  try {
    url = await app.listen({ host: '127.0.0.1', port: Number(process.env.SEAT_HQ_PORT ?? 8610) });
  } catch {
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  }
  console.log(`总部服务（本机）：${url}`);
  const stopCalendarWarnings = logCalendarWarnings(hq, (line) => console.warn(`回访规则：${line}`));
  return {
    url,
    branch,
    close: async () => {
      stopCalendarWarnings();
      await app.close();
      await db.close();
    },
  };
}

function credentials(): string {
  return `演示工号 A001–A008，密码 ${DEMO_PASSWORD}`;
}

async function startElectron(binary: string): Promise<void> {
  console.log(`启动 Electron 坐席（${credentials()}）`);
  const hq = await startLocalHq(dataDir());
  const env = { ...process.env };
  if (hq) env.SEAT_HQ_URL = hq.url;
  if (hq?.branch) env.SEAT_HQ_BRANCH = JSON.stringify(hq.branch);
  if (!process.env.SEAT_HQ_URL) env.SEAT_DEMO = '1';
  // `.`: package.json's main (out/electron/main.js), so the app runs under its own name and version.
  const child = spawn(binary, ['.'], { stdio: 'inherit', env });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code) => {
    void (hq?.close() ?? Promise.resolve()).then(() => process.exit(code ?? 0));
  });
}

async function startBrowserSeat(): Promise<void> {
  console.log('本机没有 Electron 运行文件：启动浏览器坐席。');
  const dir = dataDir();
  mkdirSync(dir, { recursive: true });
  let seat: Seat;
  try {
    // The demo's head office (or the demo branch alone): its accounts share the published demo password.
    seat = Seat.open({
      dbPath: join(dir, 'seat.db'),
      appVersion: APP_VERSION,
      demo: !process.env.SEAT_HQ_URL,
    });
  } catch (error) {
    if (error instanceof StoreOpenError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const hq = await startLocalHq(dir);
  if (!seat.store.seat() && hq?.branch) {
    // The real path: the seat is enrolled with head office and receives the branch by pulling.
    seat.store.ensureSeat(hq.branch);
    await enrolSeat(seat.store, {
      url: hq.url,
      code: 'HQ01',
      password: DEMO_PASSWORD,
      seatName: '演示坐席',
    });
    await seat.sync.round();
    const count = (sql: string) => (seat.store.db.prepare(sql).get() as { n: number }).n;
    console.log(
      `首次启动：已从总部载入演示营业部（${count('SELECT count(*) AS n FROM customers')} 位客户，${count("SELECT count(*) AS n FROM tasks WHERE status = 'open'")} 个回访任务）。`,
    );
  } else if (!seat.store.seat()) {
    const counts = await seedDemo(seat.store);
    console.log(`首次启动：已载入演示营业部（${counts.customers} 位客户，${counts.tasks} 个回访任务）。`);
  }
  if (hq) seat.startSync();
  // Shipped scripts, then the administrators' own (a new version dropped there is used from the next start).
  const scripts = seat.loadScripts([resolve('assets/scripts'), join(dir, 'scripts')]);
  if (scripts.added.length > 0) console.log(`已载入回访脚本：${scripts.added.join('、')}`);
  seat.loadPersonas(resolve('assets/training/personas'));
  let launch: ReturnType<typeof writeLaunchPage> | null = null;
  const host = await startWebHost({
    seat,
    staticDir: resolve('out/renderer'),
    port: Number(process.env.SEAT_PORT ?? 0),
    // The page may also connect to the seat's PBX, as configured when the page loads.
    contentSecurityPolicy: () => seatContentSecurityPolicy(seat.store.settings()['sip.wsUrl']),
    // The launch page has done its work once the page it opened has connected.
    onSocket: () => launch?.remove(),
  });
  const url = `${host.url}/#token=${host.token}`;
  console.log(`坐席数据：${join(dir, 'seat.db')}`);
  console.log(`${credentials()}`);

  let browser: ChildProcess | null = null;
  let profile: string | null = null;
  if ((process.env.DISPLAY || process.env.WAYLAND_DISPLAY) && !process.env.SEAT_NO_BROWSER) {
    profile = mkdtempSync(join(tmpdir(), 'seat-chromium-'));
    // Not the token's URL on Chromium's command line (any local user reads it with `ps`): a page only this
    // user can read that forwards to it.
    launch = writeLaunchPage(dir, url);
    browser = spawn(
      process.env.CHROMIUM ?? '/usr/bin/chromium',
      [
        `--app=${launch.url}`,
        `--user-data-dir=${profile}`,
        '--no-first-run',
        '--disable-background-networking',
        '--disable-sync',
      ],
      { stdio: 'ignore' },
    );
    browser.on('error', () => console.log(`无法启动 Chromium，请在浏览器中打开：${url}`));
    console.log('已在 Chromium 中打开坐席台。按 Ctrl+C 退出。');
  } else {
    console.log(`请在浏览器中打开：${url}`);
    console.log('按 Ctrl+C 退出。');
  }

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    browser?.kill('SIGTERM');
    launch?.remove();
    await host.close();
    await seat.shutdown();
    await hq?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    console.log('坐席已停止。');
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

// SEAT_SKIP_BUILD: for tests that start the seat beside others serving the same build (npm test builds first).
if (!process.env.SEAT_SKIP_BUILD) await buildAll({ quiet: true });
const binary = electronBinary();
if (binary) await startElectron(binary);
else await startBrowserSeat();
