/**
 * The store suite. A database with 1,000,000 historical (closed) callbacks — tasks, purposes, results, two
 * answers each, audit entries — and 10,000 open tasks; then:
 * - commit_result_p50_ms / _p99_ms: `commitResult` (result + 5 answers + outbox + audit + task update, one
 *   transaction) against a raw better-sqlite3 single-row insert transaction with the same pragmas, in a file
 *   beside it on the same disk. The two are interleaved so that both see the same disk weather.
 * - worklist_query_ms (median) and worklist_query_p99_ms: the next 100 tasks by deadline for one agent (with
 *   recusal, the total count and masking) against the bare index query on the same database.
 * - open_and_migrate_ms: `SeatStore.open` of that database (header check, pragmas, schema check, migrations
 *   up to date) against `new Database()` with the same pragmas.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { v4 as uuidv4, v7 as uuidv7 } from 'uuid';
import { applyPragmas } from '../electron/seat/store/database';
import { SeatStore } from '../electron/seat/store/seat-store';
import { CALLBACK_TYPES } from '../shared/domain/callback-types';
import { idCheckChar } from '../shared/domain/id-number';
import { figure, quantile, report, timeMs } from './report';

const HISTORY = Number(process.env.BENCH_HISTORY ?? 1_000_000);
const OPEN = 10_000;
const CUSTOMERS = 200_000;
const COMMITS = 2_000;
const QUERIES = 300;
const OPENS = 30;
const BRANCH = 'BR-SH-001';
const DAY = 86_400_000;

const idNumber = (i: number) => {
  const first17 = `310104${1950 + (i % 50)}0${1 + (i % 9)}1${i % 10}${String(i % 1000).padStart(3, '0')}`;
  return first17 + idCheckChar(first17);
};

function populate(store: SeatStore, agentId: string, now: number): string[] {
  const db = store.db;
  const salespeople = Array.from({ length: 50 }, (_v, i) => ({
    id: uuidv4(),
    code: `S${String(i).padStart(3, '0')}`,
    name: `营销${i}`,
    branchId: BRANCH,
    departedAt: null,
  }));
  store.importReferenceData({
    salespeople,
    agents: [
      {
        id: agentId,
        code: 'A001',
        name: '李静',
        branchId: BRANCH,
        role: 'agent',
        passwordHash: 'x',
        staffId: salespeople[0]?.id ?? null,
      },
    ],
    customers: [],
    tasks: [],
  });
  const customers: string[] = [];
  const insertCustomer = db.prepare(
    `INSERT INTO customers (id, name, id_number, phone, branch_id, salesperson_id, introducer_id, opened_at, channel, margin)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'counter', 0)`,
  );
  db.transaction(() => {
    for (let i = 0; i < CUSTOMERS; i++) {
      const id = uuidv4();
      customers.push(id);
      const sp = i % 3 === 0 ? (salespeople[i % 50]?.id ?? null) : null;
      insertCustomer.run(
        id,
        `客户${i}`,
        idNumber(i),
        `138${String(i).padStart(8, '0')}`,
        BRANCH,
        sp,
        sp,
        null,
      );
    }
  })();

  const insertTask = db.prepare(
    `INSERT INTO tasks (id, customer_id, branch_id, assigned_agent_id, status, deadline_at, purpose_mask, created_at)
     VALUES (?, ?, ?, NULL, ?, ?, ?, ?)`,
  );
  const insertPurpose = db.prepare(
    'INSERT INTO task_purposes (task_id, type, deadline_at, reason, salesperson_id) VALUES (?, ?, ?, ?, NULL)',
  );
  const insertResult = db.prepare(
    `INSERT INTO results (id, task_id, attempt_id, agent_id, seat_id, outcome, disposition, notes, retry_at,
       script_id, script_version, supersedes_id, created_at, request_hash)
     VALUES (?, ?, NULL, ?, ?, 'completed', 'connected', '客户确认无异常。', NULL, ?, 1, NULL, ?, ?)`,
  );
  const insertAnswer = db.prepare(
    `INSERT INTO answers (id, result_id, step_id, purpose, value, answered_at, recording_offset_ms)
     VALUES (?, ?, ?, ?, 'true', ?, ?)`,
  );
  const insertAudit = db.prepare(
    `INSERT INTO audit (id, at, seat_id, agent_id, action, entity_type, entity_id, detail)
     VALUES (?, ?, ?, ?, 'result.commit', 'result', ?, '{}')`,
  );
  const seatId = store.seat()?.id ?? '';
  const batch = 100_000;
  for (let start = 0; start < HISTORY; start += batch) {
    db.transaction(() => {
      for (let i = start; i < Math.min(HISTORY, start + batch); i++) {
        // Spread the history over the past three years, oldest first, as a seat accumulates it.
        const at = now - 3 * 365 * DAY + Math.floor((i / HISTORY) * 3 * 365 * DAY);
        const iso = new Date(at).toISOString();
        const type = CALLBACK_TYPES[i % CALLBACK_TYPES.length] as string;
        const taskId = uuidv7({ msecs: at });
        const deadline = new Date(at + 7 * DAY).toISOString();
        insertTask.run(taskId, customers[i % CUSTOMERS], BRANCH, 'closed', deadline, 1 << (i % 9), iso);
        insertPurpose.run(taskId, type, new Date(at + 7 * DAY).toISOString(), '历史任务');
        const resultId = uuidv7({ msecs: at + 3600_000 });
        insertResult.run(resultId, taskId, agentId, seatId, type, iso, 'h');
        insertAnswer.run(uuidv7({ msecs: at }), resultId, 'identity.confirm', null, iso, 10_000);
        insertAnswer.run(uuidv7({ msecs: at }), resultId, 'risk.disclosure', type, iso, 60_000);
        insertAudit.run(uuidv7({ msecs: at }), iso, seatId, agentId, resultId);
      }
    })();
  }
  const open: string[] = [];
  db.transaction(() => {
    for (let i = 0; i < OPEN; i++) {
      const taskId = uuidv7();
      open.push(taskId);
      const deadline = new Date(now + ((i * 7919) % (30 * 24)) * 3600_000 - 2 * DAY).toISOString();
      insertTask.run(
        taskId,
        customers[(i * 13) % CUSTOMERS],
        BRANCH,
        'open',
        deadline,
        1 << (i % 9),
        new Date(now).toISOString(),
      );
      insertPurpose.run(taskId, CALLBACK_TYPES[i % 9] as string, deadline, '待回访');
    }
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.pragma('optimize');
  return open;
}

export async function runStoreBench(): Promise<void> {
  const dir = join(process.cwd(), 'bench', 'tmp');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'store.db');
  const now = Date.parse('2026-11-26T02:00:00.000Z');
  const agentId = uuidv4();

  let store = SeatStore.open(path, { now: () => new Date(now) });
  store.ensureSeat({ branchId: BRANCH, branchName: '上海世纪大道证券营业部' });
  const setup = timeMs(() => populate(store, agentId, now));
  const openTasks = (
    store.db
      .prepare(
        `SELECT t.id, p.type FROM tasks t JOIN task_purposes p ON p.task_id = t.id JOIN customers c ON c.id = t.customer_id
         WHERE t.status = 'open' AND ifnull(c.salesperson_id, '') <> (SELECT staff_id FROM agents WHERE id = ?)`,
      )
      .all(agentId) as {
      id: string;
      type: string;
    }[]
  ).slice(0, COMMITS);
  console.error(
    `store bench: ${HISTORY} historical callbacks and ${OPEN} open tasks built in ${Math.round(setup)} ms`,
  );

  // open_and_migrate_ms
  store.close();
  const ours: number[] = [];
  const raw: number[] = [];
  for (let i = 0; i < OPENS; i++) {
    ours.push(
      timeMs(() => {
        SeatStore.open(path).close();
      }),
    );
    raw.push(
      timeMs(() => {
        const db = new Database(path);
        applyPragmas(db);
        db.close();
      }),
    );
  }
  const openFigure = figure(
    'store',
    'open_and_migrate_ms',
    'ms',
    quantile(ours, 0.5),
    quantile(raw, 0.5),
    OPENS,
  );

  // worklist_query_ms
  store = SeatStore.open(path, { now: () => new Date(now) });
  const bare = store.db.prepare(
    "SELECT id FROM tasks WHERE status = 'open' AND branch_id = ? ORDER BY deadline_at, id LIMIT 100",
  );
  const wOurs: number[] = [];
  const wRaw: number[] = [];
  for (let i = 0; i < QUERIES; i++) {
    wOurs.push(timeMs(() => store.worklist(agentId, { limit: 100 })));
    wRaw.push(timeMs(() => bare.all(BRANCH)));
  }
  const listed = store.worklist(agentId, { limit: 100 });
  if (listed.items.length !== 100) throw new Error(`worklist returned ${listed.items.length} items`);

  // commit_result
  const rawDb = new Database(join(dir, 'raw.db'));
  applyPragmas(rawDb);
  rawDb.exec(
    'CREATE TABLE raw_results (id TEXT PRIMARY KEY, task_id TEXT NOT NULL, payload TEXT NOT NULL) STRICT',
  );
  const rawInsert = rawDb.prepare('INSERT INTO raw_results (id, task_id, payload) VALUES (?, ?, ?)');
  const rawCommit = rawDb.transaction((id: string, taskId: string) =>
    rawInsert.run(id, taskId, '客户确认无异常。'),
  );
  const cOurs: number[] = [];
  const cRaw: number[] = [];
  for (const task of openTasks) {
    const args = {
      id: uuidv7(),
      taskId: task.id,
      attemptId: null,
      outcome: 'completed' as const,
      disposition: 'connected' as const,
      notes: '客户确认本人开户，已完成风险提示，无违规行为。',
      retryAt: null,
      scriptId: task.type,
      scriptVersion: 1,
      answers: Array.from({ length: 5 }, (_v, k) => ({
        id: uuidv7(),
        stepId: `step.${k}`,
        purpose: null,
        value: k % 2 === 0,
        answeredAt: new Date(now).toISOString(),
        recordingOffsetMs: k * 10_000,
      })),
      supersedesId: null,
    };
    cOurs.push(timeMs(() => store.commitResult(agentId, args)));
    cRaw.push(timeMs(() => rawCommit(uuidv7(), task.id)));
    // Commits come seconds apart at a seat: let the event loop run, as it does there, so the store's idle
    // checkpoint happens between commits (untimed) rather than never.
    await new Promise((resolve) => setImmediate(resolve));
  }
  rawDb.close();
  store.close();
  if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });

  report('store', [
    figure('store', 'commit_result_p50_ms', 'ms', quantile(cOurs, 0.5), quantile(cRaw, 0.5), cOurs.length),
    figure('store', 'commit_result_p99_ms', 'ms', quantile(cOurs, 0.99), quantile(cRaw, 0.99), cOurs.length),
    figure('store', 'worklist_query_ms', 'ms', quantile(wOurs, 0.5), quantile(wRaw, 0.5), QUERIES),
    figure('store', 'worklist_query_p99_ms', 'ms', quantile(wOurs, 0.99), quantile(wRaw, 0.99), QUERIES),
    openFigure,
  ]);
}
