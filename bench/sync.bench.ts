/**
 * The sync suite: head office in this process (the real Fastify app over HTTP on loopback) on PGlite and on
 * PostgreSQL, and seats simulated by HTTP clients speaking the sync contract.
 * - drain_100k_events_per_s (one line per database, field `db`): one seat pushes 100,000 outbox entries in
 *   batches of 1,000, each applied in order with the seat's sequence in one transaction; baseline: the same
 *   rows as multi-row INSERTs of 1,000 straight into the same database. Target ratio ≥ 0.33.
 * - push_p99_ms (per database): 200 seats syncing at once, each pushing what one callback leaves (5 entries)
 *   and pulling, after a random pause of 0–4 s, 10 rounds each: about 100 pushes and 100 pulls a second, some
 *   fifteen times what 200 working agents cause (one push and one pull per seat every ~30 s).
 *   Baseline: the p99 of GET /api/health sent by the same seats under the same load (the HTTP floor).
 *   Target ≤ 250 ms, 0 errors. PostgreSQL is the database for this many seats; PGlite is shown for scale.
 * - upload_mb_per_s: a 50 MB recording by tus (the seat's client, resumable, SHA-256 verified at the end)
 *   against a plain HTTP PUT of the same bytes to the same process, written and fsynced. Target ratio ≥ 0.5.
 * BENCH_SMOKE=1 (bench/report.ts): 2,000 events, 5 seats of 2 rounds, one 1 MB upload; the names stay.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  createWriteStream,
  fsyncSync,
  mkdtempSync,
  openSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { v4 as uuidv4, v7 as uuidv7 } from 'uuid';
import { HqClient } from '../electron/seat/sync/hq-client';
import { buildApp } from '../hq/app';
import { hashPassword } from '../hq/auth/password';
import type { Hq } from '../hq/context';
import { openHqDb } from '../hq/db/database';
import { DirectoryRecordingStore } from '../hq/recordings/store';
import { upsertBranch, upsertUser } from '../hq/reference';
import type { Enrolment } from '../shared/contract/sync';
import { auditEntry } from '../test/support/hq';
import { freshDatabase } from '../test/support/hq-db';
import { type Figure, figure, quantile, report, size } from './report';

const EVENTS = size(100_000, 2_000);
const BATCH = size(1_000, 200);
const SEATS = size(200, 5);
const ROUNDS = size(10, 2);
/** The longest random pause of a seat before each round. */
const PAUSE_MS = size(4_000, 200);
const UPLOAD_MB = size(50, 1);
const UPLOADS = size(3, 1);
const BRANCH = 'BR-BENCH';
const PASSWORD = 'Bench#2026';

type Kind = 'pglite' | 'postgres';

async function database(kind: Kind, dir: string) {
  const d = await freshDatabase(kind, dir);
  return { options: d.options(), drop: () => d.drop() };
}

async function startHq(kind: Kind, dir: string) {
  const db$ = await database(kind, dir);
  const db = await openHqDb(db$.options);
  const hq: Hq = {
    db,
    recordings: new DirectoryRecordingStore(join(dir, 'recordings')),
    now: () => new Date(),
  };
  await upsertBranch(db.db, { id: BRANCH, name: '基准测试营业部' });
  await upsertUser(db.db, {
    code: 'HQ01',
    name: '管理员',
    role: 'admin',
    branchId: null,
    passwordHash: await hashPassword(PASSWORD, { N: 1024 }),
  });
  const app = await buildApp(hq, { uploadsDir: join(dir, 'uploads') });
  // The baseline of the upload: a plain PUT of the bytes into a file, fsynced.
  app.addContentTypeParser('application/octet-stream', (_req, _payload, done) => done(null));
  app.put('/bench/put', async (req) => {
    const path = join(dir, `put-${uuidv4()}`);
    await pipeline(req.raw, createWriteStream(path));
    const fd = openSync(path, 'r');
    fsyncSync(fd);
    closeSync(fd);
    rmSync(path);
    return { ok: true };
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const login = await new HqClient(url).login('HQ01', PASSWORD);
  const admin = new HqClient(url, { userToken: login.token });
  const enrol = (): Promise<Enrolment> => admin.enrol({ branchId: BRANCH, name: 'bench', seatId: uuidv4() });
  return {
    hq,
    url,
    enrol,
    close: async () => {
      await app.close();
      await db.close();
      await db$.drop();
    },
  };
}

async function drain(kind: Kind, dir: string): Promise<Figure> {
  const t = await startHq(kind, dir);
  try {
    // Baseline: the same kind of rows, multi-row INSERTs of 1,000 straight into the audit table.
    const rows = Array.from({ length: EVENTS }, (_, i) => auditEntry(uuidv4(), i + 1));
    let start = performance.now();
    for (let i = 0; i < EVENTS; i += BATCH) {
      await t.hq.db.db
        .insertInto('audit')
        .values(
          rows.slice(i, i + BATCH).map((e) => {
            const a = e.payload as {
              id: string;
              at: string;
              action: string;
              entityType: string;
              entityId: string;
              detail: object;
            };
            return {
              id: a.id,
              at: a.at,
              seat_id: null,
              user_id: null,
              action: a.action,
              entity_type: a.entityType,
              entity_id: a.entityId,
              detail: JSON.stringify(a.detail),
              ip: null,
            };
          }),
        )
        .execute();
    }
    const baselineSeconds = (performance.now() - start) / 1000;

    // Ours: one seat's outbox over HTTP, in order, applied with its sequence in one transaction per push.
    const seat = await t.enrol();
    const client = new HqClient(t.url, { seatToken: seat.token });
    const entries = Array.from({ length: EVENTS }, (_, i) => auditEntry(seat.seatId, i + 1));
    start = performance.now();
    for (let i = 0; i < EVENTS; i += BATCH) {
      const { appliedSeq } = await client.push({ seatId: seat.seatId, entries: entries.slice(i, i + BATCH) });
      if (appliedSeq !== Math.min(i + BATCH, EVENTS)) throw new Error(`applied ${appliedSeq}`);
    }
    const seconds = (performance.now() - start) / 1000;
    return {
      ...figure(
        'sync',
        'drain_100k_events_per_s',
        'events/s',
        EVENTS / seconds,
        EVENTS / baselineSeconds,
        EVENTS,
      ),
      db: kind,
    } as Figure;
  } finally {
    await t.close();
  }
}

/**
 * Head office in its own process (`hq/main.ts`), as in production: the 200 simulated seats of this process
 * must not share its event loop.
 */
async function spawnHq(kind: Kind, dir: string) {
  const db$ = await database(kind, dir);
  const db = await openHqDb(db$.options);
  await upsertBranch(db.db, { id: BRANCH, name: '基准测试营业部' });
  await db.close();
  const child = spawn(process.execPath, ['--import', 'tsx', 'hq/main.ts'], {
    cwd: join(import.meta.dirname, '..'),
    env: {
      ...process.env,
      HQ_DATA_DIR: dir,
      DATABASE_URL: 'databaseUrl' in db$.options ? db$.options.databaseUrl : '',
      HQ_PORT: '0',
      HQ_ADMIN_PASSWORD: PASSWORD,
    },
  });
  let out = '';
  const url = await new Promise<string>((done, fail) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = out.match(/总部服务已启动：(\S+?)（/);
      if (m?.[1]) done(m[1]);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => fail(new Error(`head office exited ${code}: ${out}`)));
  });
  const login = await new HqClient(url).login('HQ01', PASSWORD);
  const admin = new HqClient(url, { userToken: login.token });
  return {
    url,
    enrol: (): Promise<Enrolment> => admin.enrol({ branchId: BRANCH, name: 'bench', seatId: uuidv4() }),
    close: async () => {
      await new Promise<void>((done) => {
        child.once('exit', () => done());
        child.kill('SIGINT');
      });
      await db$.drop();
    },
  };
}

async function pushUnderLoad(kind: Kind, dir: string): Promise<Figure> {
  const t = await spawnHq(kind, dir);
  try {
    const seats = [] as { e: Enrolment; client: HqClient; seq: number; cursor: number }[];
    for (let i = 0; i < SEATS; i++) {
      const e = await t.enrol();
      seats.push({ e, client: new HqClient(t.url, { seatToken: e.token }), seq: 0, cursor: 0 });
    }
    const pushes: number[] = [];
    const floor: number[] = [];
    let errors = 0;
    const pause = () => new Promise((r) => setTimeout(r, Math.random() * PAUSE_MS));
    const began = performance.now();
    await Promise.all(
      seats.map(async (s) => {
        for (let round = 0; round < ROUNDS; round++) {
          await pause();
          const entries = Array.from({ length: 5 }, () => auditEntry(s.e.seatId, ++s.seq));
          let start = performance.now();
          try {
            await s.client.push({ seatId: s.e.seatId, entries });
            pushes.push(performance.now() - start);
            s.cursor = (await s.client.pull(s.cursor)).cursor;
            start = performance.now();
            await s.client.health();
            floor.push(performance.now() - start);
          } catch {
            errors += 1;
          }
        }
      }),
    );
    return {
      ...figure('sync', 'push_p99_ms', 'ms', quantile(pushes, 0.99), quantile(floor, 0.99), pushes.length),
      db: kind,
      seats: SEATS,
      errors,
      pushesPerSecond: Math.round(pushes.length / ((performance.now() - began) / 1000)),
    } as Figure;
  } finally {
    await t.close();
  }
}

async function upload(dir: string): Promise<Figure> {
  const t = await startHq('pglite', dir);
  try {
    const seat = await t.enrol();
    const client = new HqClient(t.url, { seatToken: seat.token });
    const bytes = randomBytes(UPLOAD_MB * 1024 * 1024);
    const path = join(dir, 'recording.webm');
    writeFileSync(path, bytes);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const ours: number[] = [];
    const plain: number[] = [];
    for (let i = 0; i < UPLOADS; i++) {
      // Baseline first in each pair: the same bytes by a plain PUT.
      let start = performance.now();
      const res = await fetch(`${t.url}/bench/put`, {
        method: 'PUT',
        headers: { 'content-type': 'application/octet-stream' },
        body: bytes,
      });
      if (!res.ok) throw new Error(`PUT ${res.status}`);
      plain.push(UPLOAD_MB / ((performance.now() - start) / 1000));

      const id = uuidv7();
      await client.push({
        seatId: seat.seatId,
        entries: [
          {
            seq: i + 1,
            kind: 'recording',
            entityId: id,
            createdAt: '2026-11-26T02:00:00.000Z',
            payload: {
              id,
              attemptId: uuidv7(),
              mimeType: 'audio/webm;codecs=opus',
              sha256,
              sizeBytes: bytes.length,
              durationMs: 1_800_000,
              status: 'finished',
              startedAt: '2026-11-26T01:30:00.000Z',
              finishedAt: '2026-11-26T02:00:00.000Z',
            },
          },
        ],
      });
      let url: string | null = null;
      start = performance.now();
      await client.upload(
        { id, path, sizeBytes: bytes.length },
        { uploadUrl: () => url, saveUploadUrl: (_id, u) => (url = u) },
      );
      ours.push(UPLOAD_MB / ((performance.now() - start) / 1000));
      if (!(await client.stored(id)).stored) throw new Error('not stored');
    }
    return figure('sync', 'upload_mb_per_s', 'MB/s', quantile(ours, 0.5), quantile(plain, 0.5), ours.length);
  } finally {
    await t.close();
  }
}

export async function runSyncBench(): Promise<void> {
  // SYNC_ONLY=drain,push,upload and SYNC_DBS=pglite,postgres narrow a run (all by default).
  const only = (process.env.SYNC_ONLY ?? 'drain,push,upload').split(',');
  const dbs = (process.env.SYNC_DBS ?? 'pglite,postgres').split(',') as Kind[];
  const figures: Figure[] = [];
  for (const kind of dbs) {
    for (const [name, run] of [
      ['drain', drain],
      ['push', pushUnderLoad],
    ] as const) {
      if (!only.includes(name)) continue;
      const dir = mkdtempSync(join(tmpdir(), 'bench-sync-'));
      try {
        figures.push(await run(kind, dir));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  if (only.includes('upload')) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-sync-'));
    try {
      figures.push(await upload(dir));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  report('sync', figures);
}
