/**
 * The supervisor suite, on PostgreSQL: head office's database filled with 1,000,000 results (20 branches,
 * 400 agents, 200,000 customers, a finding on one result in fifty) made by SQL in the database itself.
 * - search_p99_ms: `GET /api/results` through the real app (auth, zod, masking, the audit entry each search
 *   writes) with the filters supervisors use — a branch, an agent, a customer's full ID number, a callback
 *   type, findings only, a date range — 300 searches; baseline: the p99 of the bare SQL of the branch search's
 *   first page on the same database. Target ≤ 300 ms.
 * - playback_first_byte_ms: a 30-minute stereo recording as the seat streams it (no duration, no cues), stored
 *   at head office with its playback copy made (as it is on upload; that one-off is `playback_copy_ms`). Over
 *   real HTTP on loopback, the supervisor's `POST /api/recordings/:id/playback` (session, branch check, grant,
 *   audit entry, the waveform in the answer) and then the player's first `GET` with `Range: bytes=0-` until its
 *   first byte; p95 of 40. Baseline: a bare Node HTTP server answering the same Range from the same file.
 *   `playback_seek_first_byte_ms`: a Range from the middle of the file on a grant already held (a seek).
 *   Target ≤ 200 ms.
 * - watch_p95_ms: `GET /api/watch` for all branches (400 seats, 20,000 open tasks, a third overdue), p95 of 40;
 *   baseline: the bare SQL of the per-branch counts.
 * BENCH_SMOKE=1 (bench/report.ts): 2,000 results and customers, a few of each request, a 10 s recording.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { buildApp } from '../hq/app';
import { hashPassword } from '../hq/auth/password';
import { ensurePlaybackCopy } from '../hq/recordings/playback';
import { DirectoryRecordingStore } from '../hq/recordings/store';
import { upsertUser } from '../hq/reference';
import { freshDatabase } from '../test/support/hq-db';
import { figure, quantile, report, size } from './report';

const RESULTS = Number(process.env.SUPERVISOR_RESULTS ?? size(1_000_000, 2_000));
/** Customers, each with one task; one task in ten is open. */
const CUSTOMERS = size(200_000, 2_000);
const OPEN_TASKS = CUSTOMERS / 10;
const SEARCHES = size(300, 10);
const WATCHES = size(40, 5);
/** The recording played back, in seconds (30 minutes). */
const RECORDING_S = size(1800, 10);
const PASSWORD = 'Bench#2026';

export async function runSupervisorBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-supervisor-'));
  const database = await freshDatabase('postgres', dir);
  const db = await database.open();
  try {
    const started = performance.now();
    await sql`INSERT INTO branches (id, name) SELECT 'BR-' || lpad(b::text, 3, '0'), '营业部 ' || b FROM generate_series(1, 20) b`.execute(
      db.db,
    );
    const adminId = randomUUID();
    await upsertUser(db.db, {
      id: adminId,
      code: 'HQ01',
      name: '管理员',
      role: 'admin',
      branchId: null,
      passwordHash: await hashPassword(PASSWORD, { N: 1024 }),
    });
    // 400 seats, 20 a branch, heard from in the last 10 minutes.
    await sql`INSERT INTO seats (id, branch_id, name, token_hash, enrolled_by, enrolled_at, last_seen_at)
      SELECT md5('seat' || s)::uuid, 'BR-' || lpad((1 + s % 20)::text, 3, '0'), '坐席 ' || s, md5('token' || s),
             ${adminId}::uuid, now(), now() - (s % 10) * interval '1 minute'
      FROM generate_series(0, 399) s`.execute(db.db);
    await sql`INSERT INTO customers (id, name, id_number, phone, branch_id)
      SELECT 'C' || c, '客户' || c, '110105' || (19500101 + c % 40000)::text || lpad((c % 1000)::text, 3, '0') || 'X',
             '13' || lpad(c::text, 9, '0'), 'BR-' || lpad((1 + c % 20)::text, 3, '0')
      FROM generate_series(1, ${CUSTOMERS}) c`.execute(db.db);
    // One task in ten open (20,000), due from 5 days ago to 9 days ahead; three in four of them on a seat of
    // their branch.
    await sql`INSERT INTO tasks (id, customer_id, branch_id, status, deadline_at, created_at, assigned_seat_id)
      SELECT md5('t' || c)::uuid, 'C' || c, 'BR-' || lpad((1 + c % 20)::text, 3, '0'),
             CASE WHEN c % 10 = 0 THEN 'open' ELSE 'closed' END,
             CASE WHEN c % 10 = 0 THEN now() + ((c / 10) % 15 - 5) * interval '1 day' ELSE now() END, now(),
             CASE WHEN c % 10 = 0 AND c % 40 <> 0 THEN md5('seat' || (c % 20 + 20 * ((c / 20) % 20)))::uuid END
      FROM generate_series(1, ${CUSTOMERS}) c`.execute(db.db);
    await sql`INSERT INTO task_purposes (task_id, type, deadline_at, reason, source_key, created_at)
      SELECT md5('t' || c)::uuid, (ARRAY['new_account','aml','satisfaction','complaint','abnormal'])[1 + c % 5],
             now(), '基准', 'bench:' || c, now()
      FROM generate_series(1, ${CUSTOMERS}) c`.execute(db.db);
    await sql`INSERT INTO results (id, task_id, seat_id, agent_id, attempt_id, outcome, disposition, notes,
                                   created_at, received_at, branch_id, customer_id)
      SELECT md5('r' || i)::uuid, md5('t' || (1 + i % ${CUSTOMERS}))::uuid, md5('s' || (i % 400))::uuid,
             md5('a' || (i % 400))::uuid, md5('at' || i)::uuid,
             (ARRAY['completed','completed','completed','retry','unreachable','refused'])[1 + i % 6], 'connected', '',
             timestamptz '2023-11-26' + (i * interval '90 seconds'), now(),
             'BR-' || lpad((1 + (1 + i % ${CUSTOMERS}) % 20)::text, 3, '0'), 'C' || (1 + i % ${CUSTOMERS})
      FROM generate_series(1, ${RESULTS}) i`.execute(db.db);
    await sql`INSERT INTO findings (id, result_id, step_id, purposes, category, severity, about, text_zh, branch_id, customer_id)
      SELECT md5('f' || i)::uuid, md5('r' || i)::uuid, 'conduct.promised_returns', '["new_account"]', 'promised_returns',
             'high', 'salesperson', '承诺收益', 'BR-001', 'C1'
      FROM generate_series(50, ${RESULTS}, 50) i`.execute(db.db);
    await sql`ANALYZE`.execute(db.db);
    console.error(
      `supervisor bench: ${RESULTS} results made in ${Math.round((performance.now() - started) / 1000)} s`,
    );

    const hq = {
      db,
      recordings: new DirectoryRecordingStore(join(dir, 'recordings')),
      now: () => new Date(),
    };
    const app = await buildApp(hq, { uploadsDir: join(dir, 'uploads') });
    const login = await app.inject({
      method: 'POST',
      url: '/api/login',
      payload: { code: 'HQ01', password: PASSWORD },
    });
    const token = (login.json() as { token: string }).token;
    const agentIds = (
      await sql<{ id: string }>`SELECT DISTINCT agent_id AS id FROM results LIMIT 50`.execute(db.db)
    ).rows.map((r) => r.id);
    const queries = (i: number): string => {
      const branch = `BR-${String(1 + (i % 20)).padStart(3, '0')}`;
      switch (i % 6) {
        case 0:
          return `branchId=${branch}`;
        case 1:
          return `agentId=${agentIds[i % agentIds.length]}`;
        case 2: {
          const c = 1 + ((i * 7919) % CUSTOMERS);
          return `idNumber=110105${19500101 + (c % 40000)}${String(c % 1000).padStart(3, '0')}X`;
        }
        case 3:
          return `branchId=${branch}&type=aml`;
        case 4:
          return `findingsOnly=true&branchId=BR-001`;
        default:
          return `branchId=${branch}&from=2024-06-01T00:00:00Z&to=2024-07-01T00:00:00Z&outcome=completed`;
      }
    };
    const ours: number[] = [];
    for (let i = 0; i < SEARCHES; i++) {
      const start = performance.now();
      const res = await app.inject({
        method: 'GET',
        url: `/api/results?${queries(i)}`,
        headers: { authorization: `Bearer ${token}` },
      });
      if (res.statusCode !== 200) throw new Error(`search ${queries(i)}: ${res.statusCode} ${res.body}`);
      ours.push(performance.now() - start);
    }
    const bare: number[] = [];
    for (let i = 0; i < SEARCHES; i++) {
      const branch = `BR-${String(1 + (i % 20)).padStart(3, '0')}`;
      const start = performance.now();
      await sql`SELECT id, created_at FROM results WHERE branch_id = ${branch} ORDER BY created_at DESC, id DESC LIMIT 51`.execute(
        db.db,
      );
      bare.push(performance.now() - start);
    }
    // The watch: every branch's open tasks by deadline, the 400 seats, the overdue list; baseline: the bare
    // SQL of the per-branch counts alone.
    const watched: number[] = [];
    const bareWatch: number[] = [];
    for (let i = 0; i < WATCHES; i++) {
      const start = performance.now();
      const res = await app.inject({
        method: 'GET',
        url: '/api/watch',
        headers: { authorization: `Bearer ${token}` },
      });
      if (res.statusCode !== 200) throw new Error(`watch: ${res.statusCode} ${res.body}`);
      watched.push(performance.now() - start);
      const bareStart = performance.now();
      await sql`SELECT branch_id, count(*), count(*) FILTER (WHERE deadline_at < now()) FROM tasks
        WHERE status = 'open' GROUP BY branch_id`.execute(db.db);
      bareWatch.push(performance.now() - bareStart);
    }
    const playback = await measurePlayback(hq, app, token, dir);
    report('supervisor', [
      {
        ...figure('supervisor', 'search_p99_ms', 'ms', quantile(ours, 0.99), quantile(bare, 0.99), SEARCHES),
        db: 'postgres',
        results: RESULTS,
      } as ReturnType<typeof figure>,
      {
        ...figure(
          'supervisor',
          'watch_p95_ms',
          'ms',
          quantile(watched, 0.95),
          quantile(bareWatch, 0.95),
          WATCHES,
        ),
        seats: 400,
        openTasks: OPEN_TASKS,
      } as ReturnType<typeof figure>,
      ...playback,
    ]);
    // The player's GETs were cut short after their first byte: their connections are not idle, and close()
    // would wait for them until the keep-alive timeout (72 s).
    app.server.closeAllConnections();
    await app.close();
  } finally {
    await db.close();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const PLAYS = size(40, 3);

/** Milliseconds from `start` until the first byte of a GET with this Range arrives. */
async function firstByte(url: string, range: string, start = performance.now()): Promise<number> {
  const res = await fetch(url, { headers: { range } });
  if (res.status !== 206 || !res.body) throw new Error(`playback ${url}: HTTP ${res.status}`);
  const reader = res.body.getReader();
  const { value } = await reader.read();
  const ms = performance.now() - start;
  if (!value || value.length === 0) throw new Error('playback: no first byte');
  await reader.cancel();
  return ms;
}

async function measurePlayback(
  hq: Parameters<typeof buildApp>[0],
  app: Awaited<ReturnType<typeof buildApp>>,
  token: string,
  dir: string,
) {
  // 30 minutes, agent tone left and customer tone right, streamed to a pipe as MediaRecorder writes it.
  const seconds = RECORDING_S;
  const webm = execFileSync(
    'ffmpeg',
    [
      ...[
        '-v',
        'error',
        '-f',
        'lavfi',
        '-i',
        `sine=f=440:d=${seconds}`,
        '-f',
        'lavfi',
        '-i',
        `sine=f=880:d=${seconds}`,
      ],
      ...['-filter_complex', 'amerge=inputs=2', '-c:a', 'libopus', '-b:a', '32k', '-f', 'webm', 'pipe:1'],
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const seatId = randomUUID();
  const recordingId = randomUUID();
  const file = join(dir, 'upload.webm');
  writeFileSync(file, webm);
  const admin = await sql<{ id: string }>`SELECT id FROM users WHERE code = 'HQ01'`.execute(hq.db.db);
  await sql`INSERT INTO seats (id, branch_id, name, token_hash, enrolled_by, enrolled_at)
    VALUES (${seatId}, 'BR-001', '基准坐席', ${randomUUID()}, ${admin.rows[0]?.id}, now())`.execute(hq.db.db);
  await sql`INSERT INTO recordings (id, attempt_id, seat_id, mime_type, sha256, size_bytes, duration_ms, status,
                                    started_at, finished_at, stored_at)
    VALUES (${recordingId}, ${randomUUID()}, ${seatId}, 'audio/webm;codecs=opus',
            ${createHash('sha256').update(webm).digest('hex')}, ${webm.length}, ${seconds * 1000}, 'finished',
            now(), now(), now())`.execute(hq.db.db);
  await hq.recordings.put(seatId, recordingId, file);
  const copyStart = performance.now();
  const copy = await ensurePlaybackCopy(hq, recordingId);
  const copyMs = performance.now() - copyStart;

  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const playbackFile = hq.recordings.playbackPath(seatId, recordingId);
  const fileSize = statSync(playbackFile).size;
  // The baseline: a bare server answering a Range from the same file.
  const bare = createServer((req, res) => {
    const m = /bytes=(\d+)-/.exec(req.headers.range ?? '');
    const from = Number(m?.[1] ?? 0);
    res.writeHead(206, {
      'content-type': 'audio/webm',
      'content-range': `bytes ${from}-${fileSize - 1}/${fileSize}`,
      'content-length': fileSize - from,
    });
    createReadStream(playbackFile, { start: from }).pipe(res);
  });
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/`;

  const ours: number[] = [];
  const seeks: number[] = [];
  const baseline: number[] = [];
  const baselineSeeks: number[] = [];
  for (let i = 0; i < PLAYS; i++) {
    const start = performance.now();
    const res = await fetch(`${base}/api/recordings/${recordingId}/playback`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    if (res.status !== 200) throw new Error(`playback grant: HTTP ${res.status} ${await res.text()}`);
    const grant = (await res.json()) as { path: string };
    ours.push(await firstByte(`${base}${grant.path}`, 'bytes=0-', start));
    seeks.push(await firstByte(`${base}${grant.path}`, `bytes=${Math.floor(fileSize / 2)}-`));
    baseline.push(await firstByte(bareUrl, 'bytes=0-'));
    baselineSeeks.push(await firstByte(bareUrl, `bytes=${Math.floor(fileSize / 2)}-`));
  }
  bare.closeAllConnections();
  await new Promise((resolve) => bare.close(resolve));
  const p95 = (xs: number[]) => quantile(xs, 0.95);
  return [
    {
      ...figure('supervisor', 'playback_first_byte_ms', 'ms', p95(ours), p95(baseline), PLAYS),
      minutes: seconds / 60,
      copyBytes: copy.sizeBytes,
    } as ReturnType<typeof figure>,
    figure('supervisor', 'playback_seek_first_byte_ms', 'ms', p95(seeks), p95(baselineSeeks), PLAYS),
    // One-off at upload: remux and waveform of the 30-minute file; baseline the copy's own duration in ms / 1000.
    figure('supervisor', 'playback_copy_ms', 'ms', copyMs, seconds * 1000, 1),
  ];
}
