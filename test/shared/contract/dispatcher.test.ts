import { describe, expect, it } from 'vitest';
import {
  type Connection,
  createDispatcher,
  type Handlers,
  METHODS,
  SeatError,
  type SessionInfo,
} from '../../../shared/contract';

const session: SessionInfo = {
  agentId: '0196f1c2-0000-7000-8000-000000000001',
  agentCode: 'A001',
  name: '李静',
  role: 'agent',
  branchId: 'BR-1',
  seatId: '0196f1c2-0000-7000-8000-000000000002',
  online: false,
  local: true,
};

const conn = (s: SessionInfo | null = null): Connection => ({ session: s, push: () => {} });

/** Handlers that record their calls; each test overrides the one it exercises. */
function handlers(overrides: Partial<Handlers> = {}): { handlers: Handlers; calls: string[] } {
  const calls: string[] = [];
  const refuse = (name: string) => () => {
    calls.push(name);
    throw new Error(`${name} not expected`);
  };
  const base = Object.fromEntries(Object.keys(METHODS).map((m) => [m, refuse(m)])) as unknown as Handlers;
  return { handlers: { ...base, ...overrides }, calls };
}

describe('the dispatcher every binding uses', () => {
  const defects: unknown[] = [];
  const onDefect = (_m: string, e: unknown) => defects.push(e);

  it('refuses an unknown method, a prototype key and a non-string method', async () => {
    const { handlers: h, calls } = handlers();
    const dispatch = createDispatcher(h, onDefect);
    for (const method of ['tasks.dropAll', '__proto__', 'constructor', 42, null]) {
      const r = await dispatch(conn(session), method, {});
      expect(r).toEqual({ ok: false, error: { code: 'UNKNOWN_METHOD', message: '未知的操作' } });
    }
    expect(calls).toEqual([]);
  });

  it('refuses an agent method on a connection without a session, before parsing', async () => {
    const { handlers: h, calls } = handlers();
    const r = await createDispatcher(h, onDefect)(conn(null), 'worklist.list', {});
    expect(r.ok === false && r.error.code).toBe('NOT_AUTHENTICATED');
    expect(calls).toEqual([]);
  });

  it('refuses the supervisor workspace to an agent, and to nobody, before parsing', async () => {
    const { handlers: h, calls } = handlers({ 'review.search': () => ({ items: [], next: null }) });
    const dispatch = createDispatcher(h, onDefect);
    const asAgent = await dispatch(conn(session), 'review.search', {});
    expect(asAgent).toEqual({ ok: false, error: { code: 'FORBIDDEN', message: '坐席员无权使用复核工作台' } });
    const anonymous = await dispatch(conn(null), 'review.search', {});
    expect(anonymous.ok === false && anonymous.error.code).toBe('NOT_AUTHENTICATED');
    expect(calls).toEqual([]);
    const supervisor = await dispatch(conn({ ...session, role: 'supervisor' }), 'review.search', {});
    expect(supervisor).toEqual({ ok: true, value: { items: [], next: null } });
  });

  it('validates arguments from unknown and names the failing field', async () => {
    const { handlers: h, calls } = handlers();
    const dispatch = createDispatcher(h, onDefect);
    const r = await dispatch(conn(session), 'task.get', { taskId: 'not-a-uuid' });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('BAD_REQUEST');
      expect(r.error.message).toBe('任务格式不正确');
    }
    const extra = await dispatch(conn(session), 'task.get', {
      taskId: session.agentId,
      sql: 'DROP TABLE tasks',
    });
    expect(extra.ok === false && extra.error.code).toBe('BAD_REQUEST');
    const notObject = await dispatch(conn(session), 'task.get', 'x');
    expect(notObject.ok === false && notObject.error.code).toBe('BAD_REQUEST');
    expect(calls).toEqual([]);
  });

  it('passes parsed arguments with defaults applied', async () => {
    let seen: unknown;
    const { handlers: h } = handlers({
      'worklist.list': (args) => {
        seen = args;
        return { items: [], total: 0 };
      },
    });
    const r = await createDispatcher(h, onDefect)(conn(session), 'worklist.list', {});
    expect(r).toEqual({ ok: true, value: { items: [], total: 0 } });
    expect(seen).toEqual({ limit: 100 });
  });

  it('returns a SeatError as data with its code and message', async () => {
    const { handlers: h } = handlers({
      'task.get': () => {
        throw new SeatError('FORBIDDEN', '您无权处理该任务');
      },
    });
    const r = await createDispatcher(h, onDefect)(conn(session), 'task.get', { taskId: session.agentId });
    expect(r).toEqual({ ok: false, error: { code: 'FORBIDDEN', message: '您无权处理该任务' } });
  });

  it('hides a defect behind INTERNAL and reports it', async () => {
    defects.length = 0;
    const { handlers: h } = handlers({
      'task.get': () => {
        throw new Error('SQLITE_ERROR: no such column id_number near 13812345678');
      },
    });
    const r = await createDispatcher(h, onDefect)(conn(session), 'task.get', { taskId: session.agentId });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('INTERNAL');
      expect(r.error.message).not.toContain('SQLITE');
      expect(r.error.message).not.toContain('138');
    }
    expect(defects).toHaveLength(1);
  });

  it('refuses a handler value that breaks the result schema', async () => {
    defects.length = 0;
    const { handlers: h } = handlers({
      'session.current': () => ({ agentId: 'x' }) as unknown as SessionInfo,
    });
    const r = await createDispatcher(h, onDefect)(conn(session), 'session.current', {});
    expect(r.ok === false && r.error.code).toBe('INTERNAL');
    expect(defects).toHaveLength(1);
  });
});
