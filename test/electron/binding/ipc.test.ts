import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  bindSeatIpc,
  type IpcInvokeEvent,
  type IpcMainLike,
  type IpcSender,
} from '../../../electron/binding/ipc';
import { Seat, type SeatConnection } from '../../../electron/seat/seat';
import { METHODS, type SeatBridge } from '../../../shared/contract';
import { exposedInMainWorld, ipcRenderer } from '../../mocks/electron';
import { BRANCH, PASSWORD, smallBranch, tempDir } from '../../support/fixtures';

type Listener = (event: IpcInvokeEvent, ...args: unknown[]) => Promise<unknown>;
type Answer = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } };

/** ipcMain as the binding sees it: a map of channel → handler. */
function fakeIpcMain() {
  const handlers = new Map<string, Listener>();
  const ipc: IpcMainLike = {
    handle(channel, listener) {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      handlers.set(channel, listener);
    },
    removeHandler(channel) {
      handlers.delete(channel);
    },
  };
  return { ipc, handlers };
}

/** A webContents that records what it is sent and can be destroyed. */
function fakeWebContents(id: number) {
  const sent: { channel: string; payload: unknown }[] = [];
  const onDestroyed: (() => void)[] = [];
  let destroyed = false;
  const sender: IpcSender = {
    id,
    send(channel, payload) {
      if (destroyed) throw new Error('Object has been destroyed');
      sent.push({ channel, payload });
    },
    isDestroyed: () => destroyed,
    once(_event, listener) {
      onDestroyed.push(listener);
    },
  };
  return {
    sender,
    sent,
    channels: () => sent.map((s) => s.channel),
    destroy() {
      destroyed = true;
      for (const l of onDestroyed.splice(0)) l();
    },
  };
}

type Frame = IpcInvokeEvent['senderFrame'];
const APP_MAIN: Frame = { url: 'app://seat/index.html', parent: null };

describe('the seat bound to ipcMain', () => {
  let tmp: ReturnType<typeof tempDir>;
  let seat: Seat;
  let fake: ReturnType<typeof fakeIpcMain>;
  let unbind: () => void;
  let dispatched: number;
  let connections: { conn: SeatConnection; closed: boolean }[];

  beforeEach(async () => {
    tmp = tempDir();
    seat = Seat.open({
      dbPath: tmp.file('seat.db'),
      appVersion: '0.1.0-test',
      now: () => new Date('2026-11-26T02:00:00.000Z'),
      onDefect: () => {},
    });
    seat.store.ensureSeat(BRANCH);
    seat.store.importReferenceData((await smallBranch()).batch);
    dispatched = 0;
    connections = [];
    // The real seat, watched: how often the binding dispatches, which connections it opens and closes.
    const watched: Pick<Seat, 'connect' | 'dispatch'> = {
      connect(push) {
        const conn = seat.connect(push);
        const entry = { conn, closed: false };
        connections.push(entry);
        const close = conn.close;
        conn.close = () => {
          entry.closed = true;
          close();
        };
        return conn;
      },
      dispatch(conn, method, args) {
        dispatched += 1;
        return seat.dispatch(conn, method, args);
      },
    };
    fake = fakeIpcMain();
    unbind = bindSeatIpc(fake.ipc, watched);
  });
  afterEach(() => {
    unbind();
    seat.close();
    tmp.cleanup();
  });

  const call = async (
    contents: ReturnType<typeof fakeWebContents>,
    method: string,
    args: unknown,
    frame: Frame = APP_MAIN,
  ): Promise<Answer> => {
    const handler = fake.handlers.get(`seat:${method}`);
    if (!handler) throw new Error(`no handler for seat:${method}`);
    return (await handler({ sender: contents.sender, senderFrame: frame }, args)) as Answer;
  };
  const login = { agentCode: 'A001', password: PASSWORD };
  const auditActions = () =>
    (seat.store.db.prepare('SELECT action FROM audit ORDER BY rowid').all() as { action: string }[]).map(
      (r) => r.action,
    );

  it('registers one handler per contract method on seat:<method>, and no other', () => {
    expect([...fake.handlers.keys()].sort()).toEqual(
      Object.keys(METHODS)
        .map((m) => `seat:${m}`)
        .sort(),
    );
  });

  it.each([
    ['a foreign origin', { url: 'https://evil.example/', parent: null }],
    ['a look-alike origin', { url: 'app://seat.evil/index.html', parent: null }],
    ['a file:// page', { url: 'file:///tmp/index.html', parent: null }],
    ['an app subframe', { url: 'app://seat/index.html', parent: { url: 'app://seat/index.html' } }],
    ['a frame already gone', null],
  ] as const)('refuses %s with FORBIDDEN before the seat sees the call', async (_name, frame) => {
    const contents = fakeWebContents(1);
    const answer = await call(contents, 'session.login', login, frame);
    expect(answer).toEqual({ ok: false, error: { code: 'FORBIDDEN', message: expect.any(String) } });
    expect(dispatched).toBe(0);
    expect(connections).toEqual([]);
    expect(auditActions()).toEqual([]);
    expect(contents.sent).toEqual([]);
    // The refused login left no session behind for the window's own later calls.
    expect(await call(contents, 'session.current', {})).toEqual({ ok: true, value: null });
  });

  it('logs an agent in from the app main frame and answers the session', async () => {
    const contents = fakeWebContents(1);
    const answer = await call(contents, 'session.login', login);
    expect(answer).toMatchObject({ ok: true, value: { agentCode: 'A001', branchId: BRANCH.branchId } });
    expect(auditActions()).toEqual(['session.login', 'agent.state']);
    expect(await call(contents, 'session.current', {})).toEqual(answer);
  });

  it('passes arguments to the dispatcher untouched, so it validates them', async () => {
    const contents = fakeWebContents(1);
    const answer = await call(contents, 'session.login', { ...login, role: 'supervisor' });
    expect(answer).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
  });

  it('keeps one session per webContents', async () => {
    const a = fakeWebContents(1);
    const b = fakeWebContents(2);
    expect((await call(a, 'session.login', login)).ok).toBe(true);
    expect(await call(b, 'session.current', {})).toEqual({ ok: true, value: null });
    expect(await call(b, 'worklist.list', {})).toMatchObject({
      ok: false,
      error: { code: 'NOT_AUTHENTICATED' },
    });
    expect(await call(a, 'worklist.list', {})).toMatchObject({ ok: true, value: { total: 3 } });
    expect(connections).toHaveLength(2);
  });

  it('sends a connection’s events to its own webContents only, on seat-event:<event>', async () => {
    const a = fakeWebContents(1);
    const b = fakeWebContents(2);
    await call(b, 'seat.info', {});
    const session = await call(a, 'session.login', login);
    const mine = a.sent.filter((s) => s.channel === 'seat-event:session.changed');
    expect(mine).toEqual([{ channel: 'seat-event:session.changed', payload: session.ok && session.value }]);
    expect(b.channels()).not.toContain('seat-event:session.changed');
    // A broadcast reaches every open window, each on its own webContents.
    seat.broadcast('worklist.changed', { taskIds: [] });
    expect(a.channels()).toContain('seat-event:worklist.changed');
    expect(b.channels()).toContain('seat-event:worklist.changed');
    expect([...a.channels(), ...b.channels()].every((c) => c.startsWith('seat-event:'))).toBe(true);
  });

  it("closes the window's connection when its webContents is destroyed", async () => {
    const a = fakeWebContents(1);
    const b = fakeWebContents(2);
    await call(a, 'session.login', login);
    await call(b, 'seat.info', {});
    a.destroy();
    expect(connections.map((c) => c.closed)).toEqual([true, false]);
    const before = b.sent.length;
    // Had the connection stayed open, this would push to a destroyed webContents.
    expect(() => seat.broadcast('worklist.changed', { taskIds: [] })).not.toThrow();
    expect(b.sent.length).toBe(before + 1);
  });

  it('unbinds every handler and closes every connection', async () => {
    const a = fakeWebContents(1);
    await call(a, 'seat.info', {});
    unbind();
    expect(fake.handlers.size).toBe(0);
    expect(connections.every((c) => c.closed)).toBe(true);
  });

  /** The real preload over the fake ipcRenderer, its invokes routed to this binding as from `contents`. */
  const preloadBridge = async (contents: ReturnType<typeof fakeWebContents>) => {
    const routed: string[] = [];
    ipcRenderer.route(async (channel, ...args) => {
      routed.push(channel);
      const handler = fake.handlers.get(channel);
      if (!handler) throw new Error(`No handler registered for '${channel}'`);
      return handler({ sender: contents.sender, senderFrame: APP_MAIN }, ...args);
    });
    await import('../../../electron/preload');
    return { bridge: exposedInMainWorld.get('seat') as SeatBridge, routed };
  };

  it('pairs with the preload: window.seat alone, same channels, listeners get only the payload', async () => {
    const a = fakeWebContents(1);
    const { bridge } = await preloadBridge(a);
    expect([...exposedInMainWorld.keys()]).toEqual(['seat']);
    expect(Object.keys(bridge).sort()).toEqual(['invoke', 'on']);
    const received: unknown[][] = [];
    const off = bridge.on('session.changed', (...args: unknown[]) => received.push(args));
    const session = await bridge.invoke('session.login', login);
    expect(session).toMatchObject({ ok: true, value: { agentCode: 'A001' } });
    // What main sent to this webContents, delivered as Electron would (event first, then the payload).
    for (const { channel, payload } of a.sent) ipcRenderer.deliver(channel, payload);
    expect(received).toEqual([[session.ok && session.value]]);
    off();
    expect(ipcRenderer.listenerCount('seat-event:session.changed')).toBe(0);
  });

  it('has the preload refuse names outside the contract before anything is sent', async () => {
    const { bridge, routed } = await preloadBridge(fakeWebContents(1));
    await expect(bridge.invoke('../evil' as never, {} as never)).rejects.toThrow(TypeError);
    await expect(bridge.invoke('__proto__' as never, {} as never)).rejects.toThrow(TypeError);
    expect(() => bridge.on('ipc-internal' as never, () => {})).toThrow(TypeError);
    expect(routed).toEqual([]);
    for (const method of Object.keys(METHODS)) await bridge.invoke(method as never, {} as never);
    expect(routed).toEqual(Object.keys(METHODS).map((m) => `seat:${m}`));
  });
});
