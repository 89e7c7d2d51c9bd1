import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inProcessBridge } from '../../../electron/seat/in-process';
import { Seat } from '../../../electron/seat/seat';
import type { SeatBridge } from '../../../shared/contract';
import { BRANCH, PASSWORD, smallBranch, tempDir } from '../../support/fixtures';

type Branch = Awaited<ReturnType<typeof smallBranch>>;
type R<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };
const ok = <T>(r: R<T>): T => {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
};

describe('the worklist found by a customer’s name, mobile or ID number', () => {
  let tmp: ReturnType<typeof tempDir>;
  let seat: Seat;
  let branch: Branch;
  const bridges: (SeatBridge & { close(): void })[] = [];
  const as = async (agentCode: string) => {
    const b = inProcessBridge(seat);
    bridges.push(b);
    ok(await b.invoke('session.login', { agentCode, password: PASSWORD }));
    return b;
  };
  const searches = () =>
    (
      seat.store.db
        .prepare(
          "SELECT agent_id AS agentId, detail FROM audit WHERE action = 'worklist.search' ORDER BY rowid",
        )
        .all() as { agentId: string; detail: string }[]
    ).map((r) => ({ agentId: r.agentId, detail: JSON.parse(r.detail) }));

  beforeEach(async () => {
    tmp = tempDir();
    seat = Seat.open({
      dbPath: tmp.file('seat.db'),
      appVersion: '0.1.0-test',
      now: () => new Date('2026-11-26T02:00:00.000Z'),
      onDefect: () => {},
    });
    seat.store.ensureSeat(BRANCH);
    branch = await smallBranch();
    seat.store.importReferenceData(branch.batch);
  });
  afterEach(() => {
    for (const b of bridges.splice(0)) b.close();
    seat.close();
    tmp.cleanup();
  });

  it('decides from what was typed: a name or its start, a full mobile, a full ID number', async () => {
    const agent = await as('A001');
    const found = async (search: string) => {
      const page = ok(await agent.invoke('worklist.list', { search }));
      expect(page.total).toBe(page.items.length);
      return page.items.map((i) => i.taskId);
    };
    expect(await found('张伟')).toEqual([branch.ids.taskA]);
    expect(await found(' 欧阳 ')).toEqual([branch.ids.taskB]);
    expect(await found('159 1234 5670')).toEqual([branch.ids.taskB]);
    expect(await found('11010519491231002x')).toEqual([branch.ids.taskA]);
    expect(await found('李')).toEqual([]);
    // Without a search, the whole worklist as before.
    expect(ok(await agent.invoke('worklist.list', {})).total).toBeGreaterThan(1);
  });

  it('refuses a part of a number in words, never 请求格式不正确, and audits nothing for it', async () => {
    const agent = await as('A001');
    for (const search of ['1381234', '13812345678 1', '']) {
      const r = await agent.invoke('worklist.list', { search });
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('BAD_REQUEST');
        expect(r.error.message).not.toContain('请求格式不正确');
        expect(r.error.message).toMatch(/手机号|身份证号/);
      }
    }
    expect(searches()).toEqual([]);
  });

  it('keeps recusal: the salesperson finds not their own customer by name or number', async () => {
    const recused = await as('A002');
    for (const search of ['张伟', '13812345678', '11010519491231002X']) {
      const page = ok(await recused.invoke('worklist.list', { search }));
      expect(page).toEqual({ items: [], total: 0 });
    }
  });

  it('audits each search like a reveal: who, how, how many; never what was typed', async () => {
    const agent = await as('A001');
    const session = ok(await agent.invoke('session.current', {}));
    ok(await agent.invoke('worklist.list', { search: '张伟' }));
    ok(await agent.invoke('worklist.list', { search: '13812345678' }));
    ok(await agent.invoke('worklist.list', { search: '440305199003071236' }));
    ok(await agent.invoke('worklist.list', {}));
    expect(searches()).toEqual([
      { agentId: session?.agentId, detail: { field: 'name', found: 1 } },
      { agentId: session?.agentId, detail: { field: 'phone', found: 1 } },
      { agentId: session?.agentId, detail: { field: 'idNumber', found: 1 } },
    ]);
    const queued = seat.store.db
      .prepare("SELECT payload FROM outbox WHERE kind = 'audit' AND payload LIKE '%worklist.search%'")
      .all() as { payload: string }[];
    expect(queued).toHaveLength(3);
    for (const { payload } of queued) {
      for (const typed of ['张伟', '13812345678', '440305199003071236']) expect(payload).not.toContain(typed);
    }
  });
});
