/**
 * The Electron main process: window, security, and the contract bound to IPC. Kept thin on purpose: the
 * rules live in binding/window-options.ts and binding/ipc.ts (unit-tested without Electron), the seat in
 * seat/ (plain Node). The layout scripts/build.ts produces and this file expects: out/electron/main.js
 * (this file, ESM), out/electron/preload.cjs (the sandboxed preload, one CommonJS file), out/renderer/.
 */
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, safeStorage, session } from 'electron';
import { SEAT_PLAYBACK_ROUTE } from '../shared/contract/review';
import { seatContentSecurityPolicy } from '../shared/csp';
import { bindSeatIpc } from './binding/ipc';
import { menuTemplate } from './binding/menu';
import { desktopSecretBox } from './binding/safe-storage';
import {
  APP_ENTRY,
  APP_SCHEME,
  appFilePath,
  isAppUrl,
  permissionAllowed,
  windowOptions,
} from './binding/window-options';
import { DEMO_PASSWORD, seedDemo } from './seat/demo/seed';
import { playbackHeaders } from './seat/review';
import { Seat } from './seat/seat';
import { StoreOpenError } from './seat/store/database';
import { enrolSeat } from './seat/sync/enrol';

type SeatBranch = { branchId: string; branchName: string };

const HERE = dirname(fileURLToPath(import.meta.url));
const RENDERER = resolve(HERE, '..', 'renderer');
const PRELOAD = join(HERE, 'preload.cjs');

const MIME: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wav': 'audio/wav',
  '.webm': 'audio/webm',
  '.ogg': 'audio/ogg',
};

/** The seat, once open: the CSP lets the page reach the PBX its settings name. */
let currentSeat: Seat | null = null;

/** Every app:// response, errors included, carries the CSP: a page without one would run unrestricted. */
async function serve(request: Request): Promise<Response> {
  const wsUrl = currentSeat?.store.settings()['sip.wsUrl'] ?? '';
  const headers = {
    'Content-Security-Policy': seatContentSecurityPolicy(wsUrl),
    'X-Content-Type-Options': 'nosniff',
  };
  // A supervisor's playback, streamed from head office by the seat (see web-host.ts, servePlayback).
  const { pathname } = new URL(request.url);
  if (pathname.startsWith(SEAT_PLAYBACK_ROUTE) && currentSeat) {
    const upstream = await currentSeat.review.stream(
      pathname.slice(SEAT_PLAYBACK_ROUTE.length),
      request.headers.get('range'),
    );
    return new Response(upstream.body, {
      status: upstream.status,
      headers: { ...headers, ...playbackHeaders(upstream) },
    });
  }
  const file = appFilePath(RENDERER, request.url);
  if (file === null) return new Response('forbidden', { status: 403, headers });
  try {
    const body = await readFile(file);
    const type = MIME[extname(file).toLowerCase()] ?? 'application/octet-stream';
    return new Response(new Uint8Array(body), { status: 200, headers: { ...headers, 'Content-Type': type } });
  } catch {
    return new Response('not found', { status: 404, headers });
  }
}

function harden(): void {
  const ses = session.defaultSession;
  // Both handlers: the request handler answers prompts, the check handler answers silent queries
  // (e.g. enumerateDevices labels); either alone leaves the other at Electron's permissive default.
  ses.setPermissionRequestHandler((_contents, permission, callback, details) => {
    callback(permissionAllowed(permission, details.requestingUrl, details));
  });
  ses.setPermissionCheckHandler((_contents, permission, requestingOrigin, details) =>
    permissionAllowed(permission, requestingOrigin, details),
  );
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event) => {
      if (!isAppUrl(event.url)) event.preventDefault();
    });
    contents.on('will-redirect', (event) => {
      if (!isAppUrl(event.url)) event.preventDefault();
    });
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
}

function openSeat(): Seat | null {
  try {
    const dbPath = join(app.getPath('userData'), 'seat.db');
    // Credentials sealed with the OS's key (DPAPI, Keychain, libsecret); safeStorage works once the app is ready.
    return Seat.open({
      dbPath,
      appVersion: app.getVersion(),
      secrets: desktopSecretBox(safeStorage, dbPath),
      // `npm start`'s demo (scripts/start.ts): the login screen says the demo password is public.
      demo: process.env.SEAT_DEMO === '1',
    });
  } catch (error) {
    // Newer schema, corrupt file, in use: the message tells the agent what to do; nothing was written.
    if (error instanceof StoreOpenError) {
      dialog.showErrorBox('回访坐席台无法启动', error.message);
      return null;
    }
    throw error;
  }
}

async function start(): Promise<void> {
  protocol.handle(APP_SCHEME, serve);
  harden();
  // Before the window: a packaged build never shows Electron's default menu, with its DevTools and reload.
  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate({ packaged: app.isPackaged })));
  const seat = openSeat();
  if (seat === null) {
    app.exit(1);
    return;
  }
  // `npm start` runs head office beside the app and names it (SEAT_HQ_URL, with the demo branch it holds in
  // SEAT_HQ_BRANCH on its first start): the new seat enrols and receives the branch by pulling.
  const hqUrl = process.env.SEAT_HQ_URL;
  const hqBranch = process.env.SEAT_HQ_BRANCH ? (JSON.parse(process.env.SEAT_HQ_BRANCH) as SeatBranch) : null;
  if (seat.store.seat() === null && hqUrl && hqBranch) {
    seat.store.ensureSeat(hqBranch);
    await enrolSeat(seat.store, { url: hqUrl, code: 'HQ01', password: DEMO_PASSWORD, seatName: '演示坐席' });
    await seat.sync.round();
  } else if (seat.store.seat() === null) await seedDemo(seat.store);
  seat.startSync();
  // The shipped scripts, then the administrators' folder beside the data: a script added there is used from
  // the next start on, without a new build.
  seat.loadScripts([join(app.getAppPath(), 'assets/scripts'), join(app.getPath('userData'), 'scripts')]);
  seat.loadPersonas(join(app.getAppPath(), 'assets/training/personas'));
  currentSeat = seat;
  const unbind = bindSeatIpc(ipcMain, seat);
  app.on('will-quit', () => {
    unbind();
    void seat.shutdown();
  });

  const win = new BrowserWindow(windowOptions(PRELOAD));
  win.once('ready-to-show', () => win.show());
  app.on('second-instance', () => {
    if (win.isDestroyed()) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });
  await win.loadURL(APP_ENTRY);
}

// Before 'ready': a standard, secure scheme gives the page a real origin and a secure context, which
// getUserMedia requires; file:// would give neither.
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
]);
app.enableSandbox();

// The store holds an exclusive lock on seat.db: a second instance would only fail to open it.
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app
    .whenReady()
    .then(start)
    .catch((error: unknown) => {
      console.error('seat: failed to start', error);
      app.exit(1);
    });
}
