import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where the rig's Kamailio takes SIP over WebSocket (fixed: one rig at a time, see vitest.config.ts). */
export const KAMAILIO_WS_URL = 'ws://127.0.0.1:5066';
const WS_PORT = 5066;
const HOST = '127.0.0.1';
const TEMPLATE = new URL('./kamailio.cfg', import.meta.url);
/** Spawn → WebSocket port accepting took ~20 ms here (TESTRIG.md); generous for a loaded CI machine. */
const READY_DEADLINE_MS = 10_000;
const STOP_DEADLINE_MS = 10_000;
const TERM_GRACE_MS = 2_000;
/** Kamailio's stderr kept for failure messages (the tail). */
const LOG_LIMIT = 256 * 1024;

export interface KamailioOptions {
  /** Digest authentication (`-A WITH_AUTH`): users 8001..8003 and 13812345678, password `secret<user>`. */
  auth?: boolean;
  /** Extra credentials for the auth variant, user → password. */
  users?: Record<string, string>;
  /** A directory to use (created when missing); default a fresh temporary one. */
  runDir?: string;
}

export interface Kamailio {
  readonly wsUrl: typeof KAMAILIO_WS_URL;
  readonly runDir: string;
  /** PID of the running main process (changes on restart). */
  readonly pid: number;
  /** What Kamailio wrote to stderr so far (capped to the last 256 KiB). */
  log(): string;
  /** Kill by PID and wait for the process (and its children) to exit; removes a run dir it made. Idempotent. */
  stop(): Promise<void>;
  /** stop() then start again on the same ports and config (registrations, in memory, are lost). */
  restart(): Promise<void>;
}

/** Starts the rig's Kamailio in the foreground and resolves once its WebSocket port accepts connections. */
export async function startKamailio(options: KamailioOptions = {}): Promise<Kamailio> {
  const ownDir = options.runDir === undefined;
  const runDir = options.runDir ?? mkdtempSync(join(tmpdir(), 'rig-kamailio-'));
  const { uid, gid } = kamailioUser();
  const cfg = join(runDir, 'kamailio.cfg');
  const config = renderConfig(runDir, options.users ?? {});
  const prepare = () => {
    mkdirSync(runDir, { recursive: true });
    chownSync(runDir, uid, gid);
    writeFileSync(cfg, config);
  };

  const args = ['-DD', '-E', '-f', cfg, '-Y', runDir, '-P', join(runDir, 'kamailio.pid')];
  args.push('-u', 'kamailio', '-g', 'kamailio', '-m', '64', '-M', '8', '-a', 'no');
  if (options.auth) args.push('-A', 'WITH_AUTH');

  let log = '';
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();

  const launch = async (): Promise<void> => {
    prepare();
    if (await accepts(WS_PORT, 200)) {
      throw new Error(`something already listens on ${HOST}:${WS_PORT}: is another rig running?`);
    }
    // Its own process group, so that stop() can find and kill any child that outlives the main process.
    const proc = spawn('kamailio', args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    child = proc;
    // Should the test process end without stop(), take Kamailio with it.
    const reap = () => proc.pid !== undefined && signalGroup(proc.pid, 'SIGKILL');
    process.once('exit', reap);
    proc.once('exit', () => process.off('exit', reap));
    let exitInfo: string | null = null;
    exited = new Promise((resolve) => {
      proc.once('exit', (code, signal) => {
        exitInfo = `exited with ${signal ?? code}`;
        resolve();
      });
      proc.once('error', (error) => {
        exitInfo = `failed to spawn: ${error.message}`;
        resolve();
      });
    });
    proc.stderr?.setEncoding('utf8');
    proc.stderr?.on('data', (chunk: string) => {
      log += chunk;
      if (log.length > LOG_LIMIT) log = log.slice(-LOG_LIMIT);
    });
    const deadline = Date.now() + READY_DEADLINE_MS;
    while (!(await accepts(WS_PORT, 200))) {
      if (exitInfo !== null) {
        await halt();
        throw new Error(`kamailio ${exitInfo} before accepting:\n${tail(log)}`);
      }
      if (Date.now() > deadline) {
        await halt();
        throw new Error(
          `kamailio did not accept on ${KAMAILIO_WS_URL} within ${READY_DEADLINE_MS} ms:\n${tail(log)}`,
        );
      }
      await delay(10);
    }
  };

  const halt = async (): Promise<void> => {
    const proc = child;
    if (!proc) return;
    child = null;
    const group = proc.pid;
    if (group !== undefined) {
      // SIGTERM to the main process only: it terminates its children itself. (Signalling the whole group at
      // once raced with that here: the TCP main process sometimes went on in epoll_wait while the main waited.)
      try {
        process.kill(group, 'SIGTERM');
      } catch {
        // already gone
      }
      // Now and then (about 1 stop in 40 here) the main process waits on a child that ignores the SIGTERM,
      // for up to its exit_timeout (60 s): nothing of the rig's Kamailio is worth keeping, so kill the group.
      if (!(await within(exited, TERM_GRACE_MS))) {
        log += `\n[rig] kamailio still running ${TERM_GRACE_MS} ms after SIGTERM: SIGKILL to its process group\n`;
        signalGroup(group, 'SIGKILL');
      }
      await exited;
      // A child sometimes outlives the main process (seen here, orphaned, holding the ports): give the
      // stragglers a moment, then kill what is left of the group.
      const grace = Date.now() + 500;
      while (groupAlive(group) && Date.now() < grace) await delay(10);
      if (groupAlive(group)) signalGroup(group, 'SIGKILL');
      const deadline = Date.now() + STOP_DEADLINE_MS;
      while (groupAlive(group)) {
        if (Date.now() > deadline) throw new Error(`kamailio's process group ${group} survived SIGKILL`);
        await delay(10);
      }
    }
    await exited;
    const deadline = Date.now() + STOP_DEADLINE_MS;
    while (await accepts(WS_PORT, 200)) {
      if (Date.now() > deadline) throw new Error(`${HOST}:${WS_PORT} still accepts after kamailio stopped`);
      await delay(10);
    }
  };

  try {
    await launch();
  } catch (error) {
    if (ownDir) rmSync(runDir, { recursive: true, force: true });
    throw error;
  }
  return {
    wsUrl: KAMAILIO_WS_URL,
    runDir,
    get pid() {
      const pid = child?.pid;
      if (pid === undefined) throw new Error('kamailio is not running');
      return pid;
    },
    log: () => log,
    stop: async () => {
      await halt();
      if (ownDir) rmSync(runDir, { recursive: true, force: true });
    },
    restart: async () => {
      await halt();
      await launch();
    },
  };
}

function renderConfig(runDir: string, users: Record<string, string>): string {
  const lines = Object.entries(users).map(([user, password]) => {
    if (!/^[\w.+-]+$/.test(user) || /["\\\n]/.test(password)) throw new RangeError(`bad rig user ${user}`);
    return `\t$sht(users=>${user}) = "${password}";`;
  });
  return readFileSync(TEMPLATE, 'utf8')
    .replaceAll('RUN_DIR', runDir)
    .replace('\t# RIG_USERS', lines.join('\n') || '\t# no extra users');
}

/** Signals every process of the group led by our kamailio (spawned detached, so the group is its PID). */
function signalGroup(group: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-group, signal);
  } catch {
    // the group is gone already
  }
}

function groupAlive(group: number): boolean {
  try {
    process.kill(-group, 0);
    return true;
  } catch {
    return false;
  }
}

function kamailioUser(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', 'kamailio'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'kamailio'], { encoding: 'utf8' }).trim());
  if (!Number.isInteger(uid) || !Number.isInteger(gid))
    throw new Error('no kamailio user (apt-get install kamailio)');
  return { uid, gid };
}

/** Whether a TCP connection to 127.0.0.1:port succeeds within timeoutMs. */
export function accepts(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Whether `promise` settles within `ms` (the timer is cleared either way, so it keeps no process alive). */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function tail(text: string, lines = 40): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
