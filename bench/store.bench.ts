/**
 * The store suite, on a copy of the shared history database (bench/history.ts: 1,000,000 historical
 * callbacks, 10,000 open tasks), with the shipped callback scripts (assets/scripts) loaded:
 * - commit_result_p50_ms / _p99_ms: `commitResult` of a completed callback (the result, the answers its
 *   script's draft holds — 4 to 18 by the purpose's script, the figures' `answers` is the mean — the result's
 *   purpose, the draft deleted, outbox and audit entries, the task closed: one transaction) against a raw
 *   better-sqlite3 single-row insert transaction with the same pragmas, in a file beside it on the same disk.
 *   Before each commit, untimed, the task is dialled, its recording started and its script walked to the end
 *   with plain answers, as an agent does (test/support/script.ts); only the commit is timed. The two are
 *   interleaved so that both see the same disk weather.
 * - worklist_query_ms (median) and worklist_query_p99_ms: the next 100 tasks by deadline for one agent (with
 *   recusal, the total count and masking) against the bare index query on the same database.
 * - open_and_migrate_ms: `SeatStore.open` of that database (header check, pragmas, schema check, migrations
 *   up to date) against `new Database()` with the same pragmas.
 * BENCH_SMOKE=1 (bench/report.ts): a few of each, on the small history database.
 */
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { v7 as uuidv7 } from 'uuid';
import { loadScriptFolders } from '../electron/seat/scripts/load';
import { applyPragmas } from '../electron/seat/store/database';
import { SeatStore } from '../electron/seat/store/seat-store';
import { answeredCall, walkScript } from '../test/support/script';
import { BENCH_NOW, BRANCH, historyDb, TMP } from './history';
import { type Figure, figure, quantile, report, size, timeMs } from './report';

const COMMITS = size(2_000, 20);
const QUERIES = size(300, 10);
const OPENS = size(30, 5);
const SCRIPTS = resolve(import.meta.dirname, '../assets/scripts');

/**
 * Answers the plain answer (shared/scripts/answers.ts) gets wrong: to "did you place these trades yourself?"
 * it answers no (no finding names either answer), which leads to "who placed them?", whose every option
 * raises a finding, so it finds none to give. The customer who traded himself is the plain callback.
 */
const ANSWERS = { 'abnormal.own_trading': true };

/** Lets the event loop run once, as it does at a seat between an agent's actions (the idle checkpoint). */
const idle = () => new Promise((resolve) => setImmediate(resolve));

export async function runStoreBench(): Promise<void> {
  const { path, agentId } = await historyDb('store');
  const now = BENCH_NOW;
  let store = SeatStore.open(path, { now: () => new Date(now) });
  const scripts = loadScriptFolders(store, [SCRIPTS]);
  if (scripts.added.length === 0 || scripts.rejected.length > 0) {
    throw new Error(`scripts: ${JSON.stringify(scripts)}`);
  }
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
  if (openTasks.length !== COMMITS)
    throw new Error(`${openTasks.length} open tasks to commit, not ${COMMITS}`);

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
  const recordings = join(TMP, 'store-recordings');
  const cOurs: number[] = [];
  const cRaw: number[] = [];
  let answers = 0;
  for (const task of openTasks) {
    // Untimed: the call answered and its recording started, the script walked to its end (its answers the
    // moments of the recording a few ms apart: the store's clock stands still), as the agent leaves it.
    const call = answeredCall(store, agentId, task.id, recordings);
    walkScript(store, agentId, task.id, call.recordingId, ANSWERS, undefined, 10);
    await idle();
    const args = {
      id: uuidv7(),
      taskId: task.id,
      attemptId: call.attemptId,
      outcome: 'completed' as const,
      disposition: 'connected' as const,
      notes: '客户确认本人开户，已完成风险提示，无违规行为。',
      retryAt: null,
      supersedesId: null,
    };
    cOurs.push(
      timeMs(() => {
        if (store.commitResult(agentId, args).taskStatus !== 'closed') throw new Error('task not closed');
      }),
    );
    cRaw.push(timeMs(() => rawCommit(uuidv7(), task.id)));
    answers += (
      store.db.prepare('SELECT count(*) AS n FROM answers WHERE result_id = ?').get(args.id) as { n: number }
    ).n;
    // Commits come seconds apart at a seat: let the event loop run, as it does there, so the store's idle
    // checkpoint happens between commits (untimed) rather than never.
    await idle();
  }
  rawDb.close();
  store.close();

  // The answers each commit wrote, on average (the scripts of the open tasks' purposes differ in length).
  const answersPerCommit = Math.round((answers / cOurs.length) * 10) / 10;
  const commitFigure = (name: string, q: number): Figure =>
    ({
      ...figure('store', name, 'ms', quantile(cOurs, q), quantile(cRaw, q), cOurs.length),
      answers: answersPerCommit,
    }) as Figure;
  report('store', [
    commitFigure('commit_result_p50_ms', 0.5),
    commitFigure('commit_result_p99_ms', 0.99),
    figure('store', 'worklist_query_ms', 'ms', quantile(wOurs, 0.5), quantile(wRaw, 0.5), QUERIES),
    figure('store', 'worklist_query_p99_ms', 'ms', quantile(wOurs, 0.99), quantile(wRaw, 0.99), QUERIES),
    openFigure,
  ]);
}
