/**
 * 客户回访记录 (issue 16, point 4): `task.get` carries the customer's other tasks this seat holds, open or
 * closed, with their results, findings and recordings; a recording is playable exactly when `recording.read`
 * lets the agent play it; recusal keeps it all from the recused; the listing is bounded.
 */
import { v4 as uuidv4, v7 as uuidv7 } from 'uuid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inProcessBridge } from '../../../electron/seat/in-process';
import { Seat } from '../../../electron/seat/seat';
import { openDatabase } from '../../../electron/seat/store/database';
import {
  CUSTOMER_HISTORY_LIMITS,
  type CustomerHistoryTask,
  type SeatBridge,
  type TaskDetail,
} from '../../../shared/contract';
import { CALLBACK_TYPES } from '../../../shared/domain/callback-types';
import { SCRIPTS_DIR } from '../../shared/scripts/library';
import { BRANCH, PASSWORD, smallBranch, tempDir } from '../../support/fixtures';
import { addTask, answeredCall, walkScript } from '../../support/script';
import { resultFor } from '../../support/seat';

type Branch = Awaited<ReturnType<typeof smallBranch>>;
type R<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };
const ok = <T>(r: R<T>): T => {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
};

const NOW = '2026-11-26T02:00:00.000Z';
const byTypeOrder = (t: string) => (CALLBACK_TYPES as readonly string[]).indexOf(t);

describe('a customer’s earlier callbacks in the task view', () => {
  let tmp: ReturnType<typeof tempDir>;
  let seat: Seat;
  let branch: Branch;
  /** The seat's clock (10:00 in Shanghai unless a test moves it). */
  let clock = NOW;
  const bridges: (SeatBridge & { close(): void })[] = [];
  const as = async (agentCode: string) => {
    const b = inProcessBridge(seat);
    bridges.push(b);
    ok(await b.invoke('session.login', { agentCode, password: PASSWORD }));
    return b;
  };
  const historyOf = (task: TaskDetail) => new Map(task.customerHistory.items.map((i) => [i.taskId, i]));

  beforeEach(async () => {
    tmp = tempDir();
    clock = NOW;
    seat = Seat.open({
      dbPath: tmp.file('seat.db'),
      appVersion: '0.1.0-test',
      now: () => new Date(clock),
      onDefect: () => {},
    });
    seat.store.ensureSeat(BRANCH);
    branch = await smallBranch();
    seat.store.importReferenceData(branch.batch);
    seat.loadScripts([SCRIPTS_DIR]);
  });
  afterEach(() => {
    for (const b of bridges.splice(0)) b.close();
    seat.close();
    tmp.cleanup();
  });

  /** An earlier task of 张伟 closed by 李静 (A001): a nonsite call, a finding on its salesperson, its recording. */
  function closedEarlierCallback() {
    const { store } = seat;
    const taskId = addTask(store, branch.ids.customerA, [
      { type: 'nonsite_qualification', salespersonId: branch.ids.salesperson },
    ]);
    const call = answeredCall(store, branch.ids.agent, taskId, tmp.file('recordings'));
    call.recordings.chunk({
      recordingId: call.recordingId,
      agentId: branch.ids.agent,
      seq: 0,
      data: Buffer.from('a recording of the earlier callback'),
    });
    walkScript(store, branch.ids.agent, taskId, call.recordingId, {
      'nonsite.met_outside': true,
      'nonsite.meeting_place': '在小区门口的咖啡店',
    });
    call.recordings.finish({ recordingId: call.recordingId, agentId: branch.ids.agent, durationMs: 4200 });
    const result = resultFor(taskId, { attemptId: call.attemptId });
    expect(store.commitResult(branch.ids.agent, result).taskStatus).toBe('closed');
    return { taskId, resultId: result.id, recordingId: call.recordingId };
  }

  it('lists the customer’s other tasks, open and closed, with outcome, finding, agent and recording', async () => {
    const earlier = closedEarlierCallback();
    const pending = addTask(seat.store, branch.ids.customerA, [{ type: 'aml' }]);
    const agent = await as('A001');

    const task = ok(await agent.invoke('task.get', { taskId: branch.ids.taskA }));
    const history = historyOf(task);
    expect([...history.keys()].sort()).toEqual([earlier.taskId, pending].sort());
    expect(task.customerHistory.more).toBe(0);
    expect(history.get(earlier.taskId)).toMatchObject({
      status: 'closed',
      purposes: ['nonsite_qualification'],
      attempts: 1,
      lastAttemptAt: NOW,
      results: [
        {
          id: earlier.resultId,
          outcome: 'completed',
          disposition: 'connected',
          agentName: '李静',
          superseded: false,
          findings: [
            { severity: expect.any(String), category: expect.any(String), text: expect.any(String) },
          ],
        },
      ],
      recordings: [{ id: earlier.recordingId, durationMs: 4200, agentName: '李静', playable: true }],
    } satisfies Partial<Record<keyof CustomerHistoryTask, unknown>>);
    const finding = history.get(earlier.taskId)?.results[0]?.findings[0];
    const stored = seat.store.db
      .prepare('SELECT category, severity, text_zh AS text FROM findings WHERE result_id = ?')
      .get(earlier.resultId);
    expect(finding).toMatchObject(stored as object);
    expect(history.get(pending)).toMatchObject({
      status: 'open',
      purposes: ['aml'],
      attempts: 0,
      lastAttemptAt: null,
      results: [],
      recordings: [],
    });

    // The listing reveals nothing: no full ID number or mobile, and no reveal is audited for it.
    const json = JSON.stringify(task);
    expect(json).not.toContain('11010519491231002X');
    expect(json).not.toContain('13812345678');
    expect(
      seat.store.db.prepare("SELECT count(*) AS n FROM audit WHERE action = 'customer.reveal'").get(),
    ).toEqual({ n: 0 });

    // Another customer's task has none of it.
    const other = ok(await agent.invoke('task.get', { taskId: branch.ids.taskB }));
    expect(other.customerHistory).toEqual({ items: [], more: 0 });
  });

  it('plays a recording exactly when recording.read lets the agent: their own calls, audited', async () => {
    const earlier = closedEarlierCallback();
    const pending = addTask(seat.store, branch.ids.customerA, [{ type: 'aml' }]);
    const plays = () =>
      seat.store.db
        .prepare(
          "SELECT agent_id AS agentId, entity_id AS recordingId FROM audit WHERE action = 'recording.play'",
        )
        .all();

    // 王芳 (A003) may work the customer's open task and sees the earlier callback, but not as hers to play.
    const colleague = await as('A003');
    const seen = historyOf(ok(await colleague.invoke('task.get', { taskId: pending })));
    expect(seen.get(earlier.taskId)?.recordings).toEqual([
      expect.objectContaining({ id: earlier.recordingId, agentName: '李静', playable: false }),
    ]);
    const refused = await colleague.invoke('recording.read', {
      recordingId: earlier.recordingId,
      offset: 0,
      length: 1024,
    });
    expect(refused).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(plays()).toEqual([]);

    // 李静 (A001) made the call: playable for her, and the read is audited as recording.play.
    const agent = await as('A001');
    const mine = historyOf(ok(await agent.invoke('task.get', { taskId: pending })));
    expect(mine.get(earlier.taskId)?.recordings[0]?.playable).toBe(true);
    const slice = ok(
      await agent.invoke('recording.read', { recordingId: earlier.recordingId, offset: 0, length: 1024 }),
    );
    expect(Buffer.from(slice.data, 'base64').toString()).toBe('a recording of the earlier callback');
    expect(plays()).toEqual([{ agentId: branch.ids.agent, recordingId: earlier.recordingId }]);
  });

  it('keeps it from the recused: the salesperson of the customer gets no task, so no history', async () => {
    closedEarlierCallback();
    const recused = await as('A002');
    const r = await recused.invoke('task.get', { taskId: branch.ids.taskA });
    expect(r).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('is bounded: the newest tasks and results, the rest counted', async () => {
    const { store } = seat;
    // 陈红 has taskC (opened here) and taskOther already; 25 earlier tasks, a day apart.
    const extra = Array.from({ length: 25 }, (_v, i) => ({
      id: uuidv4(),
      customerId: branch.ids.customerC,
      branchId: BRANCH.branchId,
      assignedAgentId: null,
      status: 'closed' as const,
      createdAt: new Date(Date.parse('2026-10-01T03:00:00.000Z') + i * 86_400_000).toISOString(),
      purposes: [
        {
          type: 'satisfaction' as const,
          deadlineAt: '2026-12-04T15:59:59.000Z',
          reason: '抽样',
          salespersonId: null,
        },
      ],
    }));
    store.importReferenceData({ salespeople: [], agents: [], customers: [], tasks: extra });
    // Twelve retries of one open task of hers: more results than a history entry lists.
    const retried = addTask(store, branch.ids.customerC, [{ type: 'notification' }]);
    for (let i = 0; i < 12; i++) {
      store.commitResult(
        branch.ids.agent,
        resultFor(retried, {
          outcome: 'retry',
          disposition: 'call_back_later',
          retryAt: '2026-11-26T05:00:00.000Z',
          notes: `第 ${i + 1} 次约定重拨`,
        }),
      );
    }
    const agent = await as('A001');
    const task = ok(await agent.invoke('task.get', { taskId: branch.ids.taskC }));
    const { items, more } = task.customerHistory;
    expect(items).toHaveLength(CUSTOMER_HISTORY_LIMITS.tasks);
    // 25 + taskOther + the retried one = 27 other tasks; 20 listed.
    expect(more).toBe(27 - CUSTOMER_HISTORY_LIMITS.tasks);
    const created = items.map((i) => i.createdAt);
    expect(created).toEqual([...created].sort().reverse());
    expect(items.map((i) => i.taskId)).not.toContain(branch.ids.taskC);
    const retriedEntry = items.find((i) => i.taskId === retried);
    expect(retriedEntry?.results).toHaveLength(CUSTOMER_HISTORY_LIMITS.results);
    expect(retriedEntry?.results.every((r) => r.outcome === 'retry')).toBe(true);
    // The oldest listed is the 8th of the 25 (the 7 oldest left out, with taskOther of 21 November).
    expect(items.at(-1)?.createdAt).toBe(extra[7]?.createdAt);
  });

  it('migration 11 fills each task’s last real dial from the attempts already on the seat', () => {
    const path = tmp.file('v10.db');
    const v10 = openDatabase(path, { targetVersion: 10 });
    v10.exec(`
      INSERT INTO customers (id, name, id_number, phone, branch_id) VALUES ('c1', '张伟', 'x', 'y', 'B');
      INSERT INTO tasks (id, customer_id, branch_id, status, deadline_at, purpose_mask, created_at)
        VALUES ('t1', 'c1', 'B', 'open', '2026-12-01T00:00:00.000Z', 1, '2026-11-01T00:00:00.000Z'),
               ('t2', 'c1', 'B', 'open', '2026-12-01T00:00:00.000Z', 1, '2026-11-01T00:00:00.000Z'),
               ('t3', 'c1', 'B', 'open', '2026-12-01T00:00:00.000Z', 1, '2026-11-01T00:00:00.000Z');
      INSERT INTO attempts (id, task_id, agent_id, seat_id, started_at, number_masked, training_persona_id)
        VALUES ('a1', 't1', 'g', 's', '2026-11-20T01:00:00.000Z', 'm', NULL),
               ('a2', 't1', 'g', 's', '2026-11-22T01:00:00.000Z', 'm', NULL),
               ('a3', 't1', 'g', 's', '2026-11-24T01:00:00.000Z', 'm', 'cooperative'),
               ('a4', 't2', 'g', 's', '2026-11-21T01:00:00.000Z', 'm', 'cooperative');
    `);
    v10.close();
    const db = openDatabase(path, { targetVersion: 11 });
    expect(db.prepare('SELECT id, last_attempt_at AS last FROM tasks ORDER BY id').all()).toEqual([
      { id: 't1', last: '2026-11-22T01:00:00.000Z' },
      { id: 't2', last: null },
      { id: 't3', last: null },
    ]);
    db.close();
  });

  it('sorts the worklist by name, type or last dial in SQL, paging each order without gaps or repeats', async () => {
    const { store } = seat;
    // Sixty more open tasks, so that pages of 7 cross many cursors.
    const customers = Array.from({ length: 60 }, (_v, i) => ({
      id: uuidv4(),
      name: `客户${String((i * 37) % 60).padStart(2, '0')}`,
      idNumber: '110105194912310021',
      phone: `139${String(i).padStart(8, '0')}`,
      branchId: BRANCH.branchId,
      salespersonId: null,
      introducerId: null,
      openedAt: null,
      channel: null,
      margin: false,
    }));
    const types = ['aml', 'satisfaction', 'complaint', 'new_account'] as const;
    store.importReferenceData({
      salespeople: [],
      agents: [],
      customers,
      tasks: customers.map((c, i) => ({
        id: uuidv4(),
        customerId: c.id,
        branchId: BRANCH.branchId,
        assignedAgentId: null,
        status: 'open' as const,
        createdAt: '2026-11-20T03:00:00.000Z',
        purposes: [
          {
            type: types[i % types.length] as (typeof types)[number],
            deadlineAt: new Date(Date.parse('2026-11-27T00:00:00.000Z') + (i % 9) * 3_600_000).toISOString(),
            reason: '抽样',
            salespersonId: null,
          },
        ],
      })),
    });
    // Real dials of five tasks, a minute apart from 09:55: each records the task's last dial.
    store.setSetting(branch.ids.agent, 'sip.wsUrl', 'ws://127.0.0.1:5066/');
    store.setSetting(branch.ids.agent, 'sip.uri', 'sip:8001@rig.test');
    const all = store.worklist(branch.ids.agent, { limit: 500 }).items;
    for (const [i, item] of all.slice(0, 5).entries()) {
      clock = new Date(Date.parse(NOW) - (5 - i) * 60_000).toISOString();
      store.startCall(branch.ids.agent, uuidv7(), item.taskId);
    }
    clock = NOW;
    // A practice dial (training line) of another is no dial of the customer: its last dial stays none.
    const practised = all[5]?.taskId ?? '';
    store.setSetting(branch.ids.agent, 'training.enabled', true);
    store.startCall(branch.ids.agent, uuidv7(), practised, {
      personaId: 'cooperative',
      personaVersion: 1,
      findings: [],
    });
    expect(
      store.worklist(branch.ids.agent, { limit: 500 }).items.find((i) => i.taskId === practised),
    ).toMatchObject({ attempts: 0, lastAttemptAt: null });
    const agent = await as('A001');
    const walk = async (sort: 'deadline' | 'customer' | 'type' | 'lastAttempt') => {
      const seen = [];
      let after: { deadlineAt: string; taskId: string } | undefined;
      for (;;) {
        const page = ok(await agent.invoke('worklist.list', { limit: 7, sort, ...(after ? { after } : {}) }));
        seen.push(...page.items);
        const last = page.items.at(-1);
        if (page.items.length < 7 || !last) return { seen, total: page.total };
        after = { deadlineAt: last.deadlineAt, taskId: last.taskId };
      }
    };
    const byDeadline = await walk('deadline');
    const ids = byDeadline.seen.map((i) => i.taskId).sort();
    for (const sort of ['customer', 'type', 'lastAttempt'] as const) {
      const { seen, total } = await walk(sort);
      expect(seen.map((i) => i.taskId).sort(), sort).toEqual(ids);
      expect(total).toBe(ids.length);
      const tie = (a: (typeof seen)[number], b: (typeof seen)[number]) =>
        a.deadlineAt.localeCompare(b.deadlineAt) || (a.taskId < b.taskId ? -1 : a.taskId > b.taskId ? 1 : 0);
      const expected = [...seen].sort((a, b) => {
        if (sort === 'customer')
          return (
            (a.customerName < b.customerName ? -1 : a.customerName > b.customerName ? 1 : 0) || tie(a, b)
          );
        if (sort === 'type') {
          const rank = (x: typeof a) => Math.min(...x.purposes.map(byTypeOrder));
          return rank(a) - rank(b) || tie(a, b);
        }
        return (a.lastAttemptAt ?? '').localeCompare(b.lastAttemptAt ?? '') || tie(a, b);
      });
      expect(
        seen.map((i) => i.taskId),
        sort,
      ).toEqual(expected.map((i) => i.taskId));
    }
    // A cursor may name only a task the agent may see: 王芳's own task gives away no position of its customer.
    const hidden = await agent.invoke('worklist.list', {
      limit: 7,
      sort: 'customer',
      after: { deadlineAt: '2026-11-26T15:59:59.000Z', taskId: branch.ids.taskOther },
    });
    expect(hidden).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    // Never dialled first, then the longest since the last dial: the five dialled are last, oldest dial first.
    const byDial = (await walk('lastAttempt')).seen;
    expect(byDial.slice(-5).map((i) => i.lastAttemptAt)).toEqual(
      [5, 4, 3, 2, 1].map((k) => new Date(Date.parse(NOW) - k * 60_000).toISOString()),
    );
  });
});
