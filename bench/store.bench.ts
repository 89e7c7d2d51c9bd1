/**
 * The store suite, on a copy of the shared history database (bench/history.ts: 1,000,000 historical
 * callbacks, 10,000 open tasks):
 * - commit_result_p50_ms / _p99_ms: `commitResult` (result + 5 answers + outbox + audit + task update, one
 *   transaction) against a raw better-sqlite3 single-row insert transaction with the same pragmas, in a file
 *   beside it on the same disk. The two are interleaved so that both see the same disk weather.
 * - worklist_query_ms (median) and worklist_query_p99_ms: the next 100 tasks by deadline for one agent (with
 *   recusal, the total count and masking) against the bare index query on the same database.
 * - open_and_migrate_ms: `SeatStore.open` of that database (header check, pragmas, schema check, migrations
 *   up to date) against `new Database()` with the same pragmas.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { v7 as uuidv7 } from 'uuid';
import { applyPragmas } from '../electron/seat/store/database';
import { SeatStore } from '../electron/seat/store/seat-store';
import { BENCH_NOW, BRANCH, historyDb, TMP } from './history';
import { figure, quantile, report, timeMs } from './report';

const COMMITS = 2_000;
const QUERIES = 300;
const OPENS = 30;

export async function runStoreBench(): Promise<void> {
  const { path, agentId } = await historyDb('store');
  const now = BENCH_NOW;
  let store = SeatStore.open(path, { now: () => new Date(now) });
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
  const rawDb = new Database(join(TMP, 'raw.db'));
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

  report('store', [
    figure('store', 'commit_result_p50_ms', 'ms', quantile(cOurs, 0.5), quantile(cRaw, 0.5), cOurs.length),
    figure('store', 'commit_result_p99_ms', 'ms', quantile(cOurs, 0.99), quantile(cRaw, 0.99), cOurs.length),
    figure('store', 'worklist_query_ms', 'ms', quantile(wOurs, 0.5), quantile(wRaw, 0.5), QUERIES),
    figure('store', 'worklist_query_p99_ms', 'ms', quantile(wOurs, 0.99), quantile(wRaw, 0.99), QUERIES),
    openFigure,
  ]);
}
