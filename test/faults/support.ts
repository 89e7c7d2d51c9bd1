/**
 * What the fault loops share: how many faults of each kind (FAULT_KILLS), a seeded PRNG for the kill delays,
 * the figures each loop writes (JSON lines), a child seat driven through its stdout, a counting HTTP proxy in
 * front of head office (every status it answers, so a 5xx is never missed), and the checks that compare a
 * seat's outbox with what head office holds. Every wait is on an event or a state, bounded by a deadline.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { appendFileSync, mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { inProcessBridge } from '../../electron/seat/in-process';
import { Seat } from '../../electron/seat/seat';
import { BRANCH, PASSWORD } from '../support/fixtures';
import { invoke } from '../support/review-scene';

export const REPO = resolve(import.meta.dirname, '../..');

/** Faults of each kind per loop: 20 in the short run (`npm test`), 200 in the long one. */
export const KILLS = Math.max(1, Number(process.env.FAULT_KILLS ?? 20));
export const SEED = Number(process.env.FAULT_SEED ?? 20_261_126);
/** A test's bound: a fixed part plus a part per fault (generous: 2 cores, other loops beside it). */
export const bound = (fixedMs: number, perKillMs: number) => fixedMs + KILLS * perKillMs;

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    /** An integer in [lo, hi]. */
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
  };
}

/** One loop's figures, as written to FAULT_FIGURES and asserted (everything but `kills` must be 0). */
export interface Figures {
  kind: string;
  kills: number;
  lost: number;
  duplicated: number;
  reordered: number;
  integrity: number;
  '5xx': number;
  /** Anything else a loop counts (entries checked, recordings, 503s seen …), for the record. */
  detail?: Record<string, number | string>;
}

export function newFigures(kind: string): Figures {
  return { kind, kills: 0, lost: 0, duplicated: 0, reordered: 0, integrity: 0, '5xx': 0, detail: {} };
}

/** Appends the figures as one JSON line to FAULT_FIGURES (scripts/faults.sh prints the file at the end). */
export function writeFigures(f: Figures): void {
  const line = `${JSON.stringify({ ...f, seed: SEED, at: new Date().toISOString() })}\n`;
  const file = process.env.FAULT_FIGURES;
  if (file) {
    mkdirSync(dirname(file), { recursive: true });
    appendFileSync(file, line);
  }
}

/** A promise with a deadline: the loop fails with `what` instead of hanging. */
export function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** The randomized kill delay: the one wait on a clock, drawn from the seeded PRNG. */
export const delay = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** A gate the loops wait on: open while the fault is healed (head office up, PostgreSQL running). */
export class Gate {
  #open = true;
  #waiters: (() => void)[] = [];
  get isOpen() {
    return this.#open;
  }
  close() {
    this.#open = false;
  }
  open() {
    this.#open = true;
    for (const w of this.#waiters.splice(0)) w();
  }
  wait(): Promise<void> {
    return this.#open ? Promise.resolve() : new Promise((done) => this.#waiters.push(done));
  }
}

// ---- a child process whose stdout lines are events ----

export interface Child {
  child: ChildProcess;
  /** Every complete line printed so far (a line cut by the kill is not in it). */
  lines: string[];
  /** When each line arrived (Date.now()), in step with `lines`. */
  times: number[];
  /** Resolves with the first line (from now on, or already printed) that matches. */
  line(match: (l: string) => boolean, ms?: number): Promise<string>;
  /** Resolves when the process has exited: its code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL; resolves once it is gone. True when it was alive to be killed. */
  kill9(): Promise<boolean>;
  output(): string;
}

export function watchChild(child: ChildProcess): Child {
  const lines: string[] = [];
  const times: number[] = [];
  const events = new EventEmitter();
  let partial = '';
  let all = '';
  child.stdout?.on('data', (d: Buffer) => {
    const text = partial + d.toString();
    all += d.toString();
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    for (const l of parts) {
      lines.push(l);
      times.push(Date.now());
      events.emit('line', l);
    }
  });
  child.stderr?.on('data', (d: Buffer) => {
    all += d.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    if (child.exitCode !== null || child.signalCode !== null)
      done({ code: child.exitCode, signal: child.signalCode });
    // 'close': stdout is read to its end too, so `lines` holds every complete line printed.
    child.once('close', (code, signal) => done({ code, signal }));
  });
  return {
    child,
    lines,
    times,
    exited,
    output: () => all.slice(-4000),
    line: (match, ms = 60_000) => {
      const seen = lines.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return within(
        ms,
        `a line from the child\n${all.slice(-2000)}`,
        new Promise<string>((done, fail) => {
          const on = (l: string) => {
            if (!match(l)) return;
            events.off('line', on);
            done(l);
          };
          events.on('line', on);
          void exited.then(({ code, signal }) => {
            events.off('line', on);
            fail(new Error(`child exited (${code ?? signal}) before the line:\n${all.slice(-2000)}`));
          });
        }),
      );
    },
    kill9: async () => {
      const alive = child.exitCode === null && child.signalCode === null;
      if (alive) child.kill('SIGKILL');
      const { signal } = await exited;
      return alive && signal === 'SIGKILL';
    },
  };
}

/** The seat driver (test/faults/seat-driver.ts) in its own process, as a seat is: SIGKILL-able. */
export function startDriver(args: Record<string, string | number>): Child {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/faults/seat-driver.ts', JSON.stringify(args)],
    { cwd: REPO, env: { ...process.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return watchChild(child);
}

// ---- head office behind a counting proxy ----

export interface CountingProxy {
  url: string;
  /** Every status head office answered, by status. */
  statuses: Map<number, number>;
  fiveXx(): number;
  /**
   * 'request' (method, url) when a request reaches the proxy; 'response' (method, url, status, ms) when its
   * answer has been passed on; 'done' (method, url) when it is over, answered or not.
   */
  events: EventEmitter;
  /** The requests whose answer had status >= 500, for the report. */
  faults: string[];
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of head office that counts what it answers. When head office is not there (killed,
 * restarting) the proxy drops the seat's connection, as the network would: a gone head office is not a 5xx.
 */
export async function countingProxy(target: () => string): Promise<CountingProxy> {
  const statuses = new Map<number, number>();
  const events = new EventEmitter();
  events.setMaxListeners(100);
  const faults: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const started = Date.now();
    const to = new URL(req.url ?? '/', target());
    events.emit('request', req.method, req.url);
    let done = false;
    const over = () => {
      if (done) return;
      done = true;
      events.emit('done', req.method, req.url);
    };
    res.on('close', over);
    const up = request(
      to,
      { method: req.method, headers: { ...req.headers, host: to.host }, agent: false },
      (answer) => {
        const status = answer.statusCode ?? 0;
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status >= 500) faults.push(`${req.method} ${req.url} → ${status}`);
        res.writeHead(status, answer.headers);
        answer.pipe(res);
        answer.on('end', () => events.emit('response', req.method, req.url, status, Date.now() - started));
        answer.on('error', () => res.destroy());
      },
    );
    up.on('error', () => {
      req.socket.destroy();
      res.destroy();
    });
    req.on('aborted', () => up.destroy());
    res.on('close', () => {
      if (!res.writableFinished) up.destroy();
    });
    req.pipe(up);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    statuses,
    events,
    faults,
    fiveXx: () => [...statuses].reduce((n, [s, c]) => n + (s >= 500 ? c : 0), 0),
    close: () =>
      new Promise((done) => {
        for (const s of sockets) s.destroy();
        server.close(() => done());
      }),
  };
}

/** The next request to `path` that reaches the proxy (a push, an upload …). */
export function nextRequest(p: CountingProxy, method: string, path: string, ms = 60_000): Promise<void> {
  return within(
    ms,
    `a ${method} ${path}`,
    new Promise((done) => {
      const on = (m: string, url: string) => {
        if (m !== method || !url.startsWith(path)) return;
        p.events.off('request', on);
        done();
      };
      p.events.on('request', on);
    }),
  );
}

/** The next answer to `path` with a status `match` accepts. */
export function nextResponse(
  p: CountingProxy,
  path: string,
  match: (status: number) => boolean,
  ms = 60_000,
): Promise<number> {
  return within(
    ms,
    `an answer to ${path}`,
    new Promise((done) => {
      const on = (_m: string, url: string, status: number) => {
        if (!url.startsWith(path) || !match(status)) return;
        p.events.off('response', on);
        done(status);
      };
      p.events.on('response', on);
    }),
  );
}

// ---- the checks ----

export interface Entry {
  seq: number;
  kind: string;
  entityId: string;
}

/** The seat's outbox, read from its file (the seat closed or killed): entries, contiguity and integrity. */
export function readSeat(dbPath: string): {
  entries: Entry[];
  integrity: string;
  ids: Set<string>;
  seatId: string | null;
} {
  const db = new Database(dbPath);
  try {
    const integrity = (db.pragma('integrity_check') as { integrity_check: string }[])
      .map((r) => r.integrity_check)
      .join('; ');
    const entries = db
      .prepare('SELECT seq, kind, entity_id AS entityId FROM outbox ORDER BY seq')
      .all() as Entry[];
    const ids = new Set(
      (db.prepare('SELECT id FROM audit UNION ALL SELECT id FROM results').all() as { id: string }[]).map(
        (r) => r.id,
      ),
    );
    const seat = db.prepare('SELECT id FROM seat').get() as { id: string } | undefined;
    return { entries, integrity, ids, seatId: seat?.id ?? null };
  } finally {
    db.close();
  }
}

/** Gaps in 1…n (an outbox never pruned here numbers its entries without a hole). */
export function seqGaps(entries: Entry[]): number {
  let gaps = 0;
  entries.forEach((e, i) => {
    if (e.seq !== i + 1) gaps += 1;
  });
  return gaps;
}

/**
 * Head office's applied entries against the seat's outbox: lost (the seat's, not there), duplicated (an
 * entity twice), reordered (an entry whose seat order differs from head office's order).
 */
export function compare(seat: Entry[], hq: Entry[]): { lost: number; duplicated: number; reordered: number } {
  const count = new Map<string, number>();
  for (const e of hq) count.set(e.entityId, (count.get(e.entityId) ?? 0) + 1);
  const duplicated = [...count.values()].reduce((n, c) => n + (c > 1 ? c - 1 : 0), 0);
  const lost = seat.filter((e) => !count.has(e.entityId)).length;
  const seatSeq = new Map(seat.map((e) => [e.entityId, e.seq]));
  let reordered = 0;
  let prev = -1;
  hq.forEach((e, i) => {
    const s = seatSeq.get(e.entityId) ?? -1;
    // Out of order against the seat, or under another number than the seat's.
    if (s < prev || (s !== -1 && s !== e.seq) || e.seq !== i + 1) reordered += 1;
    prev = Math.max(prev, s);
  });
  return { lost, duplicated, reordered };
}

/** What head office holds of a seat: its applied entries in order, the facts' ids, the quarantine, the seq. */
export async function readHq(
  db: import('kysely').Kysely<import('../../hq/db/schema').HqSchema>,
  seatId: string,
) {
  const entries = (
    await db
      .selectFrom('seat_entries')
      .select(['seq', 'kind', 'entity_id'])
      .where('seat_id', '=', seatId)
      .orderBy('seq')
      .execute()
  ).map((e) => ({ seq: Number(e.seq), kind: e.kind, entityId: e.entity_id }));
  const audit = await db.selectFrom('audit').select('id').where('seat_id', '=', seatId).execute();
  const results = await db.selectFrom('results').select('id').where('seat_id', '=', seatId).execute();
  const quarantined = await db
    .selectFrom('quarantine')
    .select(['seq', 'reason'])
    .where('seat_id', '=', seatId)
    .execute();
  const seat = await db
    .selectFrom('seats')
    .select('last_applied_seq')
    .where('id', '=', seatId)
    .executeTakeFirstOrThrow();
  return {
    entries,
    facts: new Set([...audit, ...results].map((r) => r.id)),
    quarantined,
    lastApplied: Number(seat.last_applied_seq),
  };
}

/**
 * The figures of a seat against head office: the entries compared (lost, duplicated, reordered), a fact of the
 * seat's missing from its table at head office counted lost too, and head office's bookkeeping (its last
 * applied number is its last entry's) plus the seat's integrity_check as integrity.
 */
export function judge(
  f: Figures,
  seat: ReturnType<typeof readSeat>,
  hq: Awaited<ReturnType<typeof readHq>>,
): void {
  const c = compare(seat.entries, hq.entries);
  const factsLost = seat.entries.filter(
    (e) => (e.kind === 'audit' || e.kind === 'result') && !hq.facts.has(e.entityId),
  ).length;
  f.lost += Math.max(c.lost, factsLost);
  f.duplicated += c.duplicated;
  f.reordered += c.reordered;
  if (seat.integrity !== 'ok') f.integrity += 1;
  if (seqGaps(seat.entries) > 0) f.integrity += 1;
  if (hq.lastApplied !== (hq.entries.at(-1)?.seq ?? 0)) f.integrity += 1;
  f.detail = {
    ...f.detail,
    entries: seat.entries.length,
    atHq: hq.entries.length,
    quarantined: hq.quarantined.length,
    ...(hq.quarantined[0] ? { quarantineReason: hq.quarantined[0].reason } : {}),
  };
}

/** The figures asserted: everything but the kills is 0, and there were kills. */
export function clean(f: Figures) {
  const { kind, lost, duplicated, reordered, integrity } = f;
  return { kind, lost, duplicated, reordered, integrity, '5xx': f['5xx'], killed: f.kills > 0 };
}
export const CLEAN = (kind: string) => ({
  kind,
  lost: 0,
  duplicated: 0,
  reordered: 0,
  integrity: 0,
  '5xx': 0,
  killed: true,
});

/**
 * Head office in this process on a fresh database of `kind`, seeded with the seat's branch (test/support/
 * hq-seed.ts: supervisor SH01, agent A001, `customers` open tasks), listening on a random port.
 */
export async function seededHq(kind: 'pglite' | 'postgres', customers: number) {
  const { join } = await import('node:path');
  const { buildApp } = await import('../../hq/app');
  const { DirectoryRecordingStore } = await import('../../hq/recordings/store');
  const { tempDir } = await import('../support/fixtures');
  const { freshDatabase } = await import('../support/hq-db');
  const { seedHq } = await import('../support/hq-seed');
  const tmp = tempDir();
  const database = await freshDatabase(kind, tmp.dir);
  const db = await database.open();
  const seeded = await seedHq(db, { customers, purposes: ['notification'] });
  const hq = {
    db,
    recordings: new DirectoryRecordingStore(join(tmp.dir, 'recordings')),
    now: () => new Date(),
  };
  const app = await buildApp(hq, { uploadsDir: join(tmp.dir, 'uploads') });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    hq,
    url,
    seeded,
    uploadsDir: join(tmp.dir, 'uploads'),
    close: async () => {
      await app.close();
      await db.close();
      await database.drop();
      tmp.cleanup();
    },
  };
}

/**
 * A seat on `dbPath` enrolled with head office at `hqUrl` by the branch supervisor SH01 (of the seeded
 * branch), synced once: its id and the seeded agent A001's.
 */
export async function enrolledSeat(dbPath: string, hqUrl: string, name: string) {
  const seat = Seat.open({ dbPath, appVersion: 'fault-test', onDefect: () => {} });
  seat.store.ensureSeat(BRANCH);
  await invoke(inProcessBridge(seat), 'sync.enrol', { hqUrl, code: 'SH01', password: PASSWORD, name });
  await seat.sync.round();
  return { seat, seatId: seat.store.seat()?.id ?? '', agentId: seat.store.agentByCode('A001')?.id ?? null };
}
