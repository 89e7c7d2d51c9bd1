/**
 * 坐席与时限 shows the agents live (#16, point 8): each agent's working state at their seat as head office
 * learns it from the seat's audit trail (`agent.state`, synced like every audit entry), since when, and their
 * calls today. A real seat enrolled with head office, the agent logged in through head office.
 */
import { v4 as uuidv4, v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessBridge } from '../../electron/seat/in-process';
import { Seat } from '../../electron/seat/seat';
import { addPurposes, upsertCustomers } from '../../hq/reference';
import { watch } from '../../hq/watch';
import type { SeatBridge } from '../../shared/contract';
import { Watch } from '../../shared/contract/review';
import { BRANCH, tempDir } from '../support/fixtures';
import { HQ_PASSWORD, OTHER_BRANCH, startHq, type TestHq } from '../support/hq';
import { DB_KINDS } from '../support/hq-db';

const CUSTOMER = uuidv4();

describe.each(DB_KINDS)('agents live in 坐席与时限 on %s', (kind) => {
  let hq: TestHq;
  let tmp: ReturnType<typeof tempDir>;
  let seat: Seat;
  let api: SeatBridge & { close(): void };
  const ok = <T>(r: { ok: true; value: T } | { ok: false; error: { code: string; message: string } }): T => {
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    return r.value;
  };
  const agentsOf = async (branchId: string | null) => Watch.parse(await watch(hq.hq, branchId)).agents;

  beforeAll(async () => {
    hq = await startHq(kind);
    await hq.addUser('A100', 'agent', BRANCH.branchId, '陈坐席');
    // One task of the branch for the seat to pull and the agent to call.
    await hq.hq.db.db.transaction().execute(async (tx) => {
      await upsertCustomers(tx, [
        {
          id: CUSTOMER,
          name: '周客户',
          idNumber: '11010519491231002X',
          phone: '13800000001',
          branchId: BRANCH.branchId,
          salespersonId: null,
          introducerId: null,
          openedAt: null,
          channel: 'counter',
          margin: false,
        },
      ]);
      const now = Date.now();
      await addPurposes(
        tx,
        { id: CUSTOMER, branchId: BRANCH.branchId },
        [
          {
            type: 'satisfaction',
            deadlineAt: new Date(now + 10 * 86_400_000).toISOString(),
            reason: '测试',
            salespersonId: null,
            sourceKey: 'watch-agents:1',
          },
        ],
        new Date(now - 86_400_000).toISOString(),
      );
    });
    tmp = tempDir();
    seat = Seat.open({
      dbPath: tmp.file('seat.db'),
      appVersion: 'watch-agents',
      onDefect: (m, e) => console.error('DEFECT', m, e),
    });
    seat.store.ensureSeat(BRANCH);
    api = inProcessBridge(seat);
    ok(
      await api.invoke('sync.enrol', {
        hqUrl: hq.url,
        code: 'HQ01',
        password: HQ_PASSWORD,
        name: '3 号坐席',
      }),
    );
    await seat.sync.round();
  }, 120_000);
  afterAll(async () => {
    api?.close();
    await seat?.shutdown();
    await hq?.close();
    tmp?.cleanup();
  });

  it('shows the agent 就绪 after login, then 小休 with its reason, with the seat and since when', async () => {
    const session = ok(await api.invoke('session.login', { agentCode: 'A100', password: HQ_PASSWORD }));
    await seat.sync.round();
    const [ready] = await agentsOf(BRANCH.branchId);
    expect(ready).toMatchObject({
      agentId: session.agentId,
      agentCode: 'A100',
      agentName: '陈坐席',
      seatName: '3 号坐席',
      branchId: BRANCH.branchId,
      state: 'ready',
      reason: null,
      stale: false,
      callsToday: 0,
      answeredToday: 0,
    });

    const onBreak = ok(await api.invoke('agent.setState', { state: 'break', reason: '培训' }));
    await seat.sync.round();
    const agents = await agentsOf(BRANCH.branchId);
    expect(agents).toHaveLength(1);
    expect(agents[0]).toMatchObject({ state: 'break', reason: '培训' });
    // Since the change (the audit entry's own moment, read a moment after the state's).
    expect(Math.abs(Date.parse(agents[0]?.since ?? '') - Date.parse(onBreak.since))).toBeLessThan(1000);
    // Head office's view of all branches has them; another branch's has not.
    expect((await agentsOf(null)).map((a) => a.agentCode)).toEqual(['A100']);
    expect(await agentsOf(OTHER_BRANCH.branchId)).toEqual([]);
  });

  it('counts the real calls of today and those answered, and shows 话后处理 after a call', async () => {
    const { items } = ok(await api.invoke('worklist.list', { limit: 1 }));
    const taskId = items[0]?.taskId ?? '';
    expect(taskId).not.toBe('');
    const agentId = (ok(await api.invoke('session.current', {})) as { agentId: string }).agentId;
    seat.store.setSetting(agentId, 'sip.wsUrl', 'wss://pbx.test/ws');
    seat.store.setSetting(agentId, 'sip.uri', 'sip:8003@pbx.test');
    const attemptId = uuidv7();
    ok(await api.invoke('call.start', { attemptId, taskId }));
    const t = seat.store.now();
    ok(
      await api.invoke('call.end', {
        attemptId,
        answeredAt: t,
        endedAt: t,
        outcome: 'answered',
        sipCode: 200,
      }),
    );
    await seat.sync.round();
    expect((await agentsOf(BRANCH.branchId))[0]).toMatchObject({
      state: 'wrap_up',
      callsToday: 1,
      answeredToday: 1,
    });
  });
});
