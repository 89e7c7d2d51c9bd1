import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inProcessBridge } from '../../../electron/seat/in-process';
import { Seat } from '../../../electron/seat/seat';
import type { EventPayload, SeatBridge } from '../../../shared/contract';
import { BRANCH, PASSWORD, smallBranch, tempDir } from '../../support/fixtures';
import { resultFor } from '../../support/seat';

type Branch = Awaited<ReturnType<typeof smallBranch>>;

describe('the seat behind its contract (in-process binding)', () => {
  let tmp: ReturnType<typeof tempDir>;
  let seat: Seat;
  let branch: Branch;
  let clock: Date;
  const bridges: (SeatBridge & { close(): void })[] = [];
  const open = () => {
    const b = inProcessBridge(seat);
    bridges.push(b);
    return b;
  };
  const ok = <T>(r: { ok: true; value: T } | { ok: false; error: { code: string; message: string } }): T => {
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    return r.value;
  };

  beforeEach(async () => {
    tmp = tempDir();
    clock = new Date('2026-11-26T02:00:00.000Z');
    seat = Seat.open({
      dbPath: tmp.file('seat.db'),
      appVersion: '0.1.0-test',
      now: () => clock,
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

  const auditActions = () =>
    (seat.store.db.prepare('SELECT action FROM audit ORDER BY rowid').all() as { action: string }[]).map(
      (r) => r.action,
    );

  it('answers seat.info before login and refuses the worklist', async () => {
    const api = open();
    const info = ok(await api.invoke('seat.info', {}));
    expect(info).toMatchObject({
      branchId: BRANCH.branchId,
      branchName: BRANCH.branchName,
      appVersion: '0.1.0-test',
    });
    const refused = await api.invoke('worklist.list', {});
    expect(refused.ok === false && refused.error.code).toBe('NOT_AUTHENTICATED');
  });

  it('logs in, pushes session.changed to that connection only, and audits it', async () => {
    const api = open();
    const other = open();
    const mine: EventPayload<'session.changed'>[] = [];
    const theirs: unknown[] = [];
    api.on('session.changed', (s) => mine.push(s));
    other.on('session.changed', (s) => theirs.push(s));
    const session = ok(await api.invoke('session.login', { agentCode: 'A001', password: PASSWORD }));
    expect(session).toMatchObject({
      agentCode: 'A001',
      name: '李静',
      role: 'agent',
      branchId: BRANCH.branchId,
    });
    expect(mine).toEqual([session]);
    expect(theirs).toEqual([]);
    expect(ok(await other.invoke('session.current', {}))).toBeNull();
    expect(auditActions()).toEqual(['session.login', 'agent.state']);
    ok(await api.invoke('session.logout', {}));
    expect(mine.at(-1)).toBeNull();
    expect(auditActions()).toEqual(['session.login', 'agent.state', 'session.logout', 'agent.state']);
  });

  it('says how many tries are left, locks after five failures, and unlocks after 15 minutes', async () => {
    const api = open();
    for (let i = 1; i <= 4; i++) {
      const r = await api.invoke('session.login', { agentCode: 'A001', password: 'wrong' });
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('WRONG_CREDENTIALS');
        expect(r.error.message).toBe(`工号或密码错误，还可尝试 ${5 - i} 次`);
      }
    }
    const fifth = await api.invoke('session.login', { agentCode: 'A001', password: 'wrong' });
    expect(fifth.ok === false && fifth.error.code).toBe('LOCKED_OUT');
    // Locked: even the right password is refused.
    const right = await api.invoke('session.login', { agentCode: 'A001', password: PASSWORD });
    expect(right.ok === false && right.error.code).toBe('LOCKED_OUT');
    expect(right.ok === false && right.error.message).toContain('已锁定');
    clock = new Date(clock.getTime() + 15 * 60 * 1000 + 1000);
    ok(await api.invoke('session.login', { agentCode: 'A001', password: PASSWORD }));
    expect(auditActions()).toEqual([
      ...Array(4).fill('session.login_failed'),
      'session.locked',
      'session.login',
      'agent.state',
    ]);
  });

  it('answers an unknown agent code exactly like a wrong password', async () => {
    const r = await open().invoke('session.login', { agentCode: 'Z999', password: 'whatever' });
    expect(r).toEqual({ ok: false, error: { code: 'WRONG_CREDENTIALS', message: '工号或密码错误' } });
    expect(auditActions()).toEqual(['session.login_failed']);
  });

  it('ends a session after 30 idle minutes and 12 hours after its login, audited, and says so (#14)', async () => {
    const api = open();
    const events: unknown[] = [];
    api.on('session.changed', (s) => events.push(s));
    ok(await api.invoke('session.login', { agentCode: 'A001', password: PASSWORD }));
    clock = new Date(clock.getTime() + 29 * 60_000);
    ok(await api.invoke('worklist.list', {}));
    clock = new Date(clock.getTime() + 29 * 60_000); // 58 minutes in, 29 idle: still on
    ok(await api.invoke('worklist.list', {}));
    clock = new Date(clock.getTime() + 30 * 60_000);
    const idle = await api.invoke('worklist.list', {});
    expect(idle.ok === false && idle.error.code).toBe('NOT_AUTHENTICATED');
    expect(events.at(-1)).toBeNull();
    expect(auditActions()).toContain('session.expired');

    // In use all the time, a session still ends 12 hours after its login.
    ok(await api.invoke('session.login', { agentCode: 'A001', password: PASSWORD }));
    for (let h = 0; h < 40; h++) {
      clock = new Date(clock.getTime() + 25 * 60_000);
      const r = await api.invoke('worklist.list', {});
      if (!r.ok) {
        expect(r.error.code).toBe('NOT_AUTHENTICATED');
        expect((h + 1) * 25).toBeGreaterThanOrEqual(12 * 60);
        expect(h * 25).toBeLessThan(12 * 60);
        return;
      }
    }
    throw new Error('the session outlived 12 hours');
  });

  it('writes no password typed into the code field to the audit trail or the outbox (#14)', async () => {
    const typed = 'Mima#2027-secret';
    await open().invoke('session.login', { agentCode: typed, password: 'x' });
    const rows = JSON.stringify([
      seat.store.db.prepare('SELECT * FROM audit').all(),
      seat.store.db.prepare('SELECT * FROM outbox').all(),
    ]);
    expect(rows).toContain('session.login_failed');
    expect(rows).not.toContain(typed);
  });

  it('lets a supervisor see and lift an agent’s lockout at this seat, audited; an agent may not', async () => {
    const api = open();
    for (let i = 0; i < 5; i++) await api.invoke('session.login', { agentCode: 'A002', password: 'wrong' });
    expect((await api.invoke('session.login', { agentCode: 'A002', password: PASSWORD })).ok).toBe(false);
    const agent = open();
    ok(await agent.invoke('session.login', { agentCode: 'A001', password: PASSWORD }));
    const refused = await agent.invoke('review.lockouts', {});
    expect(refused.ok === false && refused.error.code).toBe('FORBIDDEN');
    const template = branch.batch.agents[0];
    if (!template) throw new Error('the fixture has no agent');
    seat.store.importReferenceData({
      salespeople: [],
      customers: [],
      tasks: [],
      agents: [{ ...template, id: '0191d7a0-0000-7000-8000-00000000a0a1', code: 'SUP1', role: 'supervisor' }],
    });
    const sup = open();
    ok(await sup.invoke('session.login', { agentCode: 'SUP1', password: PASSWORD }));
    const { items } = ok(await sup.invoke('review.lockouts', {}));
    expect(items.map((l) => [l.scope, l.userCode])).toEqual([['seat', 'A002']]);
    ok(await sup.invoke('review.unlock', { scope: 'seat', key: items[0]?.key ?? '' }));
    expect(ok(await sup.invoke('review.lockouts', {})).items).toEqual([]);
    ok(await api.invoke('session.login', { agentCode: 'A002', password: PASSWORD }));
    expect(auditActions()).toContain('session.unlock');
    const again = await sup.invoke('review.unlock', { scope: 'seat', key: items[0]?.key ?? '' });
    expect(again.ok === false && again.error.code).toBe('NOT_FOUND');
  });

  it('lists the worklist by deadline, masked, without recused or other agents’ tasks', async () => {
    const api = open();
    ok(await api.invoke('session.login', { agentCode: 'A001', password: PASSWORD }));
    const list = ok(await api.invoke('worklist.list', {}));
    expect(list.items.map((i) => i.taskId)).toEqual([branch.ids.taskC, branch.ids.taskB, branch.ids.taskA]);
    expect(list.total).toBe(3);
    const a = list.items.find((i) => i.taskId === branch.ids.taskA);
    expect(a?.phoneMasked).toBe('138****5678');
    expect(a?.purposes).toEqual(['new_account', 'satisfaction']);
    expect(JSON.stringify(list)).not.toContain('13812345678');
    expect(JSON.stringify(list)).not.toContain('11010519491231002X');

    const filtered = ok(await api.invoke('worklist.list', { types: ['aml'] }));
    expect(filtered.items.map((i) => i.taskId)).toEqual([branch.ids.taskB]);
    const page2 = ok(
      await api.invoke('worklist.list', {
        limit: 1,
        after: { deadlineAt: list.items[0]?.deadlineAt ?? '', taskId: list.items[0]?.taskId ?? '' },
      }),
    );
    expect(page2.items.map((i) => i.taskId)).toEqual([branch.ids.taskB]);

    const recused = open();
    ok(await recused.invoke('session.login', { agentCode: 'A002', password: PASSWORD }));
    const theirs = ok(await recused.invoke('worklist.list', {}));
    expect(theirs.items.map((i) => i.taskId)).toEqual([branch.ids.taskC, branch.ids.taskB]);
    const forbidden = await recused.invoke('task.get', { taskId: branch.ids.taskA });
    expect(forbidden.ok === false && forbidden.error.code).toBe('FORBIDDEN');
  });

  it('shows a task masked and reveals a field only with an audit entry that goes to head office', async () => {
    const api = open();
    const outboxEvents: EventPayload<'outbox.changed'>[] = [];
    api.on('outbox.changed', (e) => outboxEvents.push(e));
    const session = ok(await api.invoke('session.login', { agentCode: 'A001', password: PASSWORD }));
    const task = ok(await api.invoke('task.get', { taskId: branch.ids.taskA }));
    expect(task.customer).toMatchObject({ idNumberMasked: '1101**********002X', phoneMasked: '138****5678' });
    expect(task.purposes.map((p) => p.type)).toEqual(['new_account', 'satisfaction']);
    expect(task.customer.salesperson?.name).toBe('周建国');
    expect(auditActions()).toEqual(['session.login', 'agent.state']);

    const revealed = ok(
      await api.invoke('customer.reveal', {
        customerId: branch.ids.customerA,
        field: 'idNumber',
        taskId: branch.ids.taskA,
      }),
    );
    expect(revealed.value).toBe('11010519491231002X');
    const audit = seat.store.db
      .prepare("SELECT agent_id, entity_id, detail FROM audit WHERE action = 'customer.reveal'")
      .all() as { agent_id: string; entity_id: string; detail: string }[];
    expect(audit).toEqual([
      {
        agent_id: session.agentId,
        entity_id: branch.ids.customerA,
        detail: JSON.stringify({ field: 'idNumber', taskId: branch.ids.taskA }),
      },
    ]);
    expect(audit[0]?.detail).not.toContain('11010519491231002X');
    const queued = seat.store.db
      .prepare("SELECT payload FROM outbox WHERE kind = 'audit' AND payload LIKE '%customer.reveal%'")
      .all();
    expect(queued).toHaveLength(1);
    // The login, the agent's 就绪 and the reveal wait to go to head office.
    expect(outboxEvents.at(-1)?.pending).toBe(3);

    const phone = ok(
      await api.invoke('customer.reveal', { customerId: branch.ids.customerA, field: 'phone', taskId: null }),
    );
    expect(phone.value).toBe('13812345678');
    expect(auditActions().filter((a) => a === 'customer.reveal')).toHaveLength(2);
  });

  it('refuses a reveal to a recused agent and writes no audit entry for a value not shown', async () => {
    const api = open();
    ok(await api.invoke('session.login', { agentCode: 'A002', password: PASSWORD }));
    const r = await api.invoke('customer.reveal', {
      customerId: branch.ids.customerA,
      field: 'phone',
      taskId: null,
    });
    expect(r.ok === false && r.error.code).toBe('FORBIDDEN');
    expect(auditActions()).toEqual(['session.login', 'agent.state']);
  });

  it('commits a result through the contract and tells every connection the worklist changed', async () => {
    const api = open();
    const watcher = open();
    const changed: EventPayload<'worklist.changed'>[] = [];
    watcher.on('worklist.changed', (e) => changed.push(e));
    ok(await api.invoke('session.login', { agentCode: 'A001', password: PASSWORD }));
    const value = ok(await api.invoke('result.commit', resultFor(branch.ids.taskA, { outcome: 'refused' })));
    expect(value.taskStatus).toBe('closed');
    expect(changed).toEqual([{ taskIds: [branch.ids.taskA] }]);
    const list = ok(await api.invoke('worklist.list', {}));
    expect(list.items.map((i) => i.taskId)).not.toContain(branch.ids.taskA);
  });

  it('refuses a retry without a time, in Chinese, naming the field', async () => {
    const api = open();
    ok(await api.invoke('session.login', { agentCode: 'A001', password: PASSWORD }));
    const r = await api.invoke('result.commit', resultFor(branch.ids.taskB, { outcome: 'retry' }));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('BAD_REQUEST');
      expect(r.error.message).not.toContain('retryAt');
      expect(r.error.message).toContain('重拨时间');
    }
  });

  it('stores settings by key with validation and defaults', async () => {
    const api = open();
    ok(await api.invoke('session.login', { agentCode: 'A001', password: PASSWORD }));
    const defaults = ok(await api.invoke('settings.get', {}));
    expect(defaults['ui.language']).toBe('zh-CN');
    expect(defaults['retry.maxAttempts']).toBe(3);
    const changed = ok(await api.invoke('settings.set', { key: 'ui.language', value: 'en' }));
    expect(changed['ui.language']).toBe('en');
    const bad = await api.invoke('settings.set', {
      key: 'calling.window',
      value: [{ start: '20:00', end: '09:00' }],
    });
    expect(bad.ok === false && bad.error.message).toContain('开始时间须早于结束时间');
    const unknown = await api.invoke('settings.set', { key: 'ui.theme', value: 'dark' } as never);
    expect(unknown.ok === false && unknown.error.code).toBe('BAD_REQUEST');
    expect(auditActions()).toContain('settings.set');
  });

  it('reports a database that fails under a running seat as STORE_UNAVAILABLE, and a defect as INTERNAL', async () => {
    const api = open();
    ok(await api.invoke('session.login', { agentCode: 'A001', password: PASSWORD }));
    // SQLite's own error for a failing disk, raised from inside the commit's transaction.
    seat.store.db.function('fail_io', () => {
      throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_WRITE' });
    });
    seat.store.db.exec(
      'CREATE TEMP TRIGGER broken_disk BEFORE INSERT ON results BEGIN SELECT fail_io(); END',
    );
    const io = await api.invoke('result.commit', resultFor(branch.ids.taskA, { outcome: 'refused' }));
    expect(io).toEqual({
      ok: false,
      error: { code: 'STORE_UNAVAILABLE', message: '本地数据库读写失败（SQLITE_IOERR_WRITE），请联系管理员' },
    });
    seat.store.db.exec('DROP TRIGGER broken_disk');
    seat.store.db.exec(
      "CREATE TEMP TRIGGER broken_rule BEFORE INSERT ON results BEGIN SELECT RAISE(ABORT, 'injected'); END",
    );
    const defect = await api.invoke('result.commit', resultFor(branch.ids.taskA, { outcome: 'refused' }));
    expect(defect.ok === false && defect.error.code).toBe('INTERNAL');
  });

  it('shows an agent their own audit trail and a supervisor everyone’s, newest first', async () => {
    const agent = open();
    const agentSession = ok(await agent.invoke('session.login', { agentCode: 'A001', password: PASSWORD }));
    ok(
      await agent.invoke('customer.reveal', {
        customerId: branch.ids.customerA,
        field: 'phone',
        taskId: branch.ids.taskA,
      }),
    );
    const other = open();
    ok(await other.invoke('session.login', { agentCode: 'A003', password: PASSWORD }));
    const own = ok(await agent.invoke('audit.list', {}));
    // A login puts the agent in 就绪 (agent.state, audited with it).
    expect(own.items.map((e) => e.action)).toEqual(['customer.reveal', 'agent.state', 'session.login']);
    expect(own.items[0]).toMatchObject({
      agentId: agentSession.agentId,
      agentName: '李静',
      entityType: 'customer',
      entityId: branch.ids.customerA,
      detail: { field: 'phone', taskId: branch.ids.taskA },
    });
    expect(JSON.stringify(own)).not.toContain('13812345678');
    const page = ok(await agent.invoke('audit.list', { limit: 1, before: own.items[0]?.id }));
    expect(page.items.map((e) => e.action)).toEqual(['agent.state']);

    seat.store.db.prepare("UPDATE agents SET role = 'supervisor' WHERE code = 'A003'").run();
    const all = ok(await other.invoke('audit.list', {}));
    expect(all.items.map((e) => e.agentName)).toEqual(['王芳', '王芳', '李静', '李静', '李静']);
  });
});
