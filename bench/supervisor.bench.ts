/**
 * The supervisor suite, on PostgreSQL: head office's database filled with 1,000,000 results (20 branches,
 * 400 agents, 200,000 customers, a finding on one result in fifty) made by SQL in the database itself.
 * - search_p99_ms: `GET /api/results` through the real app (auth, zod, masking, the audit entry each search
 *   writes) with the filters supervisors use — a branch, an agent, a customer's full ID number, a callback
 *   type, findings only, a date range — 300 searches; baseline: the p99 of the bare SQL of the branch search's
 *   first page on the same database. Target ≤ 300 ms.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { buildApp } from '../hq/app';
import { hashPassword } from '../hq/auth/password';
import { DirectoryRecordingStore } from '../hq/recordings/store';
import { upsertUser } from '../hq/reference';
import { freshDatabase } from '../test/support/hq-db';
import { figure, quantile, report } from './report';

const RESULTS = Number(process.env.SUPERVISOR_RESULTS ?? 1_000_000);
const SEARCHES = 300;
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
    await sql`INSERT INTO customers (id, name, id_number, phone, branch_id)
      SELECT 'C' || c, '客户' || c, '110105' || (19500101 + c % 40000)::text || lpad((c % 1000)::text, 3, '0') || 'X',
             '13' || lpad(c::text, 9, '0'), 'BR-' || lpad((1 + c % 20)::text, 3, '0')
      FROM generate_series(1, 200000) c`.execute(db.db);
    await sql`INSERT INTO tasks (id, customer_id, branch_id, status, deadline_at, created_at)
      SELECT md5('t' || c)::uuid, 'C' || c, 'BR-' || lpad((1 + c % 20)::text, 3, '0'), 'closed', now(), now()
      FROM generate_series(1, 200000) c`.execute(db.db);
    await sql`INSERT INTO task_purposes (task_id, type, deadline_at, reason, source_key, created_at)
      SELECT md5('t' || c)::uuid, (ARRAY['new_account','aml','satisfaction','complaint','abnormal'])[1 + c % 5],
             now(), '基准', 'bench:' || c, now()
      FROM generate_series(1, 200000) c`.execute(db.db);
    await sql`INSERT INTO results (id, task_id, seat_id, agent_id, attempt_id, outcome, disposition, notes,
                                   created_at, received_at, branch_id, customer_id)
      SELECT md5('r' || i)::uuid, md5('t' || (1 + i % 200000))::uuid, md5('s' || (i % 400))::uuid,
             md5('a' || (i % 400))::uuid, md5('at' || i)::uuid,
             (ARRAY['completed','completed','completed','retry','unreachable','refused'])[1 + i % 6], 'connected', '',
             timestamptz '2023-11-26' + (i * interval '90 seconds'), now(),
             'BR-' || lpad((1 + (1 + i % 200000) % 20)::text, 3, '0'), 'C' || (1 + i % 200000)
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
    await upsertUser(db.db, {
      code: 'HQ01',
      name: '管理员',
      role: 'admin',
      branchId: null,
      passwordHash: await hashPassword(PASSWORD, { N: 1024 }),
    });
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
          const c = 1 + ((i * 7919) % 200000);
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
    report('supervisor', [
      {
        ...figure('supervisor', 'search_p99_ms', 'ms', quantile(ours, 0.99), quantile(bare, 0.99), SEARCHES),
        db: 'postgres',
        results: RESULTS,
      } as ReturnType<typeof figure>,
    ]);
    await app.close();
  } finally {
    await db.close();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}
