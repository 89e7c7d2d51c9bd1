/**
 * The shell suite: what the seat's binding costs the renderer. A seat database with the demo branch, the web
 * host on it, and a Node `ws` client logged in as A001; then, for `seat.info` (a small answer) and
 * `worklist.list { limit: 100 }` (the largest answer the worklist asks for), N sequential calls over the
 * WebSocket binding against the same call through `inProcessBridge` on the same seat (the dispatcher alone:
 * validation, handler, result check). The two are interleaved so both see the same machine weather.
 * - ipc_roundtrip_p50_ms / _p99_ms: `seat.info`.
 * - ipc_roundtrip_worklist100_p50_ms / _p99_ms: `worklist.list { limit: 100 }`.
 * Client and host share one process and event loop here; under Electron the renderer is another process.
 * BENCH_SMOKE=1 (bench/report.ts): 20 calls after 5, one start, on the small history database.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { WebSocket } from 'ws';
import { DEMO_PASSWORD, seedDemo } from '../electron/seat/demo/seed';
import { inProcessBridge } from '../electron/seat/in-process';
import { Seat } from '../electron/seat/seat';
import { startWebHost, type WebHost } from '../electron/web-host';
import type { MethodArgs, MethodName, Result, SeatBridge } from '../shared/contract';
import { launchChromium } from '../test/support/chromium';
import { buildRenderer } from './build';
import { BENCH_AGENT, historyDb } from './history';
import { type Figure, figure, quantile, report, size } from './report';

const N = Number(process.env.BENCH_SHELL_N ?? size(2_000, 20));
const WARMUP = size(300, 5);

type Invoke = (method: MethodName, args: unknown) => Promise<Result<unknown>>;

/** A minimal client of the wire format: one pending call at a time is all the benchmark needs. */
async function wsClient(host: WebHost): Promise<{ invoke: Invoke; close(): void }> {
  const ws = new WebSocket(`${host.origin.replace(/^http/, 'ws')}/seat`, ['seat.v1', `token.${host.token}`], {
    origin: host.origin,
    perMessageDeflate: false,
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const pending = new Map<number, (r: Result<unknown>) => void>();
  ws.on('message', (data) => {
    const frame = JSON.parse(String(data)) as { id?: number; result?: Result<unknown> };
    if (frame.id === undefined || frame.result === undefined) return;
    pending.get(frame.id)?.(frame.result);
    pending.delete(frame.id);
  });
  let nextId = 1;
  return {
    invoke: (method, args) =>
      new Promise((resolve) => {
        const id = nextId++;
        pending.set(id, resolve);
        ws.send(JSON.stringify({ id, method, args }));
      }),
    close: () => ws.close(),
  };
}

async function timed(invoke: Invoke, method: MethodName, args: unknown): Promise<number> {
  const start = process.hrtime.bigint();
  const result = await invoke(method, args);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (!result.ok) throw new Error(`${method}: ${result.error.code}`);
  return ms;
}

/** Ours (WebSocket) and baseline (in-process) samples of one call, interleaved, after a warm-up. */
async function compare(ws: Invoke, direct: Invoke, method: MethodName, args: unknown) {
  for (let i = 0; i < WARMUP; i++) {
    await timed(ws, method, args);
    await timed(direct, method, args);
  }
  const ours: number[] = [];
  const base: number[] = [];
  for (let i = 0; i < N; i++) {
    // Alternate which goes first so neither always follows the other's garbage.
    if (i % 2 === 0) {
      ours.push(await timed(ws, method, args));
      base.push(await timed(direct, method, args));
    } else {
      base.push(await timed(direct, method, args));
      ours.push(await timed(ws, method, args));
    }
  }
  return { ours, base };
}

const STARTS = size(5, 1);

/** Runs in the page, serialised with its argument (a function, not a string: the page's CSP refuses eval). */
const present = (selector: string) =>
  (globalThis as unknown as { document: { querySelector(s: string): unknown } }).document.querySelector(
    selector,
  ) !== null;

/**
 * startup_to_worklist_ms: from opening the seat on the history database (1,000,000 closed callbacks) to the
 * first worklist row on screen in Chromium — seat open, web host up, page load, the agent's login typed in
 * (a real scrypt check, ~155 ms here), the first worklist page. Baseline: a bare HTTP server started and a
 * one-line page shown in the same browser. The browser and its empty window are up before either clock
 * starts. Medians of STARTS cold starts of the seat.
 */
async function startupToWorklist(): Promise<{ ours: number[]; base: number[] }> {
  await buildRenderer();
  const { path } = await historyDb('shell-startup');
  const browser = await launchChromium();
  const ours: number[] = [];
  const base: number[] = [];
  try {
    for (let i = 0; i < STARTS; i++) {
      // The window exists already (the browser is up); the clock starts when the seat starts.
      const page = await browser.newPage();
      const t0 = performance.now();
      const seat = Seat.open({ dbPath: path, appVersion: 'bench', onDefect: () => {} });
      const host = await startWebHost({ seat, staticDir: resolve('out/renderer') });
      await page.goto(`${host.url}/#token=${host.token}`);
      await page.getByLabel('工号').fill(BENCH_AGENT.code);
      await page.getByLabel('密码').fill(BENCH_AGENT.password);
      await page.getByRole('button', { name: '登录' }).click();
      // Polled every animation frame: the figure is the seat's, not the test driver's polling interval.
      await page.waitForFunction(present, '[role=option]', {
        polling: 'raf',
        timeout: 30_000,
      });
      ours.push(performance.now() - t0);
      await page.close();
      await host.close();
      seat.close();

      const bare = await browser.newPage();
      const t1 = performance.now();
      const server = createServer((_req, res) => res.end('<!doctype html><p id="ready">ok</p>'));
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      const { port } = server.address() as AddressInfo;
      await bare.goto(`http://127.0.0.1:${port}/`);
      await bare.waitForFunction(present, '#ready', { polling: 'raf' });
      base.push(performance.now() - t1);
      await bare.close();
      await new Promise((done) => server.close(done));
    }
  } finally {
    await browser.close();
  }
  return { ours, base };
}

export async function runShellBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-shell-'));
  const seat = Seat.open({ dbPath: join(dir, 'seat.db'), appVersion: 'bench', onDefect: () => {} });
  const staticDir = join(dir, 'renderer');
  mkdirSync(staticDir);
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>bench</title>\n');
  let host: WebHost | undefined;
  let direct: (SeatBridge & { close(): void }) | undefined;
  let ws: Awaited<ReturnType<typeof wsClient>> | undefined;
  try {
    await seedDemo(seat.store);
    host = await startWebHost({ seat, staticDir });
    ws = await wsClient(host);
    direct = inProcessBridge(seat);
    const bridge = direct;
    const directInvoke: Invoke = (method, args) => bridge.invoke(method, args as MethodArgs<typeof method>);
    const login = { agentCode: 'A001', password: DEMO_PASSWORD };
    for (const invoke of [ws.invoke, directInvoke]) {
      const r = await invoke('session.login', login);
      if (!r.ok) throw new Error(`login: ${r.error.code}`);
    }
    const listed = await directInvoke('worklist.list', { limit: 100 });
    const items = listed.ok ? (listed.value as { items: unknown[] }).items.length : 0;
    if (items !== 100) throw new Error(`the demo worklist returned ${items} items, not 100`);

    const info = await compare(ws.invoke, directInvoke, 'seat.info', {});
    const list = await compare(ws.invoke, directInvoke, 'worklist.list', { limit: 100 });
    const pair = (name: string, s: { ours: number[]; base: number[] }): Figure[] => [
      figure('shell', `${name}_p50_ms`, 'ms', quantile(s.ours, 0.5), quantile(s.base, 0.5), s.ours.length),
      figure('shell', `${name}_p99_ms`, 'ms', quantile(s.ours, 0.99), quantile(s.base, 0.99), s.ours.length),
    ];
    const figures: Figure[] = [...pair('ipc_roundtrip', info), ...pair('ipc_roundtrip_worklist100', list)];

    const startup = await startupToWorklist();
    figures.push(
      figure(
        'shell',
        'startup_to_worklist_ms',
        'ms',
        quantile(startup.ours, 0.5),
        quantile(startup.base, 0.5),
        startup.ours.length,
      ),
    );

    report('shell', figures);
  } finally {
    ws?.close();
    direct?.close();
    await host?.close();
    seat.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
