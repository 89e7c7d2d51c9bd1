/**
 * The seat database the benchmarks share: 1,000,000 historical (closed) callbacks — tasks, purposes, results
 * with two answers each, audit entries — spread over three years, 200,000 customers and 10,000 open tasks of
 * one branch (a smoke run: 2,000 callbacks, 1,000 customers, 300 open tasks). Built once per `npm run bench`
 * run into bench/tmp (a smoke run: bench/tmp/smoke) and copied for each suite that writes to it.
 */
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { v4 as uuidv4, v7 as uuidv7 } from 'uuid';
import { hashPassword } from '../electron/seat/auth/password';
import { SeatStore } from '../electron/seat/store/seat-store';
import { CALLBACK_TYPES } from '../shared/domain/callback-types';
import { idCheckChar } from '../shared/domain/id-number';
import { SMOKE, size, timeMs } from './report';

export const HISTORY = Number(process.env.BENCH_HISTORY ?? size(1_000_000, 2_000));
/** At least 100 visible to the bench agent: the worklist benches ask for a page of 100. */
export const OPEN = size(10_000, 300);
const CUSTOMERS = size(200_000, 1_000);
export const BRANCH = 'BR-SH-001';
const DAY = 86_400_000;
/** The benchmarks' clock: deadlines and history are spread around it. */
export const BENCH_NOW = Date.parse('2026-11-26T02:00:00.000Z');
export const BENCH_AGENT = { code: 'A001', password: 'bench-Passw0rd' };
/** Removed at the end of a run; a smoke run (npm test) keeps to its own corner of it. */
export const TMP = join(process.cwd(), 'bench', 'tmp', SMOKE ? 'smoke' : '');

const idNumber = (i: number) => {
  const first17 = `310104${1950 + (i % 50)}0${1 + (i % 9)}1${i % 10}${String(i % 1000).padStart(3, '0')}`;
  return first17 + idCheckChar(first17);
};

function populate(store: SeatStore, agentId: string, passwordHash: string, now: number): void {
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
        passwordHash,
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
  db.transaction(() => {
    for (let i = 0; i < OPEN; i++) {
      const taskId = uuidv7();
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
}

let template: Promise<{ path: string; agentId: string }> | undefined;

/** A fresh copy of the history database at bench/tmp/<name>.db; the template is built on first use. */
export async function historyDb(name: string): Promise<{ path: string; agentId: string }> {
  template ??= (async () => {
    mkdirSync(TMP, { recursive: true });
    const path = join(TMP, `history-${HISTORY}.template.db`);
    rmSync(path, { force: true });
    const agentId = uuidv4();
    const passwordHash = await hashPassword(BENCH_AGENT.password);
    const store = SeatStore.open(path, { now: () => new Date(BENCH_NOW) });
    store.ensureSeat({ branchId: BRANCH, branchName: '上海世纪大道证券营业部' });
    const ms = timeMs(() => populate(store, agentId, passwordHash, BENCH_NOW));
    store.close();
    console.error(
      `bench: ${HISTORY} historical callbacks and ${OPEN} open tasks built in ${Math.round(ms)} ms`,
    );
    return { path, agentId };
  })();
  const { path, agentId } = await template;
  const copy = join(TMP, `${name}.db`);
  for (const suffix of ['', '-wal', '-shm']) rmSync(copy + suffix, { force: true });
  copyFileSync(path, copy);
  if (!existsSync(copy)) throw new Error(`could not copy ${path}`);
  return { path: copy, agentId };
}
