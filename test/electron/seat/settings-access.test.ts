/**
 * Phone settings are managed (issue 14, point 4): an agent changes only personal preferences, a supervisor or
 * administrator logged in at the seat the PBX, SIP account and ICE servers; head office's value of a key it
 * manages wins and nobody at the seat changes it; no credential leaves through `settings.get` or the audit
 * trail, the phone reads them through `phone.credentials` (audited once per login). And enrolment: only a
 * fresh install may be enrolled without a seat login.
 */
import { v4 as uuidv4 } from 'uuid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../../../electron/seat/auth/password';
import { inProcessBridge } from '../../../electron/seat/in-process';
import { Seat } from '../../../electron/seat/seat';
import type { SeatBridge } from '../../../shared/contract';
import { BRANCH, PASSWORD, smallBranch, tempDir } from '../../support/fixtures';

type R<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };
const ok = <T>(r: R<T>): T => {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
};
const refusal = <T>(r: R<T>) => (r.ok ? 'accepted' : [r.error.code, r.error.message]);

const TURN = { urls: ['turn:turn.pbx.test:3478'], username: 'seat1', credential: 'turn-Secret-9' };

describe('managed phone settings at the seat', () => {
  let tmp: ReturnType<typeof tempDir>;
  let seat: Seat;
  const bridges: (SeatBridge & { close(): void })[] = [];
  const as = async (agentCode: string) => {
    const api = inProcessBridge(seat);
    bridges.push(api);
    ok(await api.invoke('session.login', { agentCode, password: PASSWORD }));
    return api;
  };
  const audit = (action: string) =>
    (
      seat.store.db
        .prepare('SELECT entity_id AS key, detail FROM audit WHERE action = ? ORDER BY rowid')
        .all(action) as { key: string; detail: string }[]
    ).map((r) => ({ key: r.key, detail: JSON.parse(r.detail) as unknown }));

  beforeEach(async () => {
    tmp = tempDir();
    seat = Seat.open({
      dbPath: tmp.file('seat.db'),
      appVersion: 'test',
      now: () => new Date('2026-12-01T02:00:00.000Z'),
      onDefect: () => {},
    });
    seat.store.ensureSeat(BRANCH);
    const branch = await smallBranch();
    const passwordHash = await hashPassword(PASSWORD, { N: 1024 });
    seat.store.importReferenceData({
      ...branch.batch,
      agents: [
        ...branch.batch.agents,
        {
          id: uuidv4(),
          code: 'SV01',
          name: '主管',
          branchId: BRANCH.branchId,
          role: 'supervisor',
          passwordHash,
          staffId: null,
        },
      ],
    });
  });
  afterEach(() => {
    for (const b of bridges.splice(0)) b.close();
    seat.close();
    tmp.cleanup();
  });

  it('lets an agent change preferences only, and a supervisor the phone line', async () => {
    const agent = await as('A001');
    expect(
      ok(await agent.invoke('settings.set', { key: 'audio.inputDeviceId', value: 'mic-2' })),
    ).toMatchObject({
      'audio.inputDeviceId': 'mic-2',
    });
    ok(await agent.invoke('settings.set', { key: 'ui.language', value: 'en' }));
    for (const change of [
      { key: 'sip.wsUrl', value: 'wss://evil.example/ws' },
      { key: 'sip.password', value: 'x' },
      { key: 'sip.iceServers', value: [{ urls: 'turn:evil.example' }] },
      { key: 'dial.outsidePrefix', value: '0' },
    ] as const) {
      expect(refusal(await agent.invoke('settings.set', change))).toEqual([
        'FORBIDDEN',
        '电话线路设置由主管或管理员设置：坐席人员只能更改音频设备和界面语言等个人偏好',
      ]);
    }
    expect(ok(await agent.invoke('settings.sources', {}))).toEqual({ hq: [], canManage: false });
    expect(ok(await agent.invoke('settings.get', {}))['sip.wsUrl']).toBe('');

    const supervisor = await as('SV01');
    expect(ok(await supervisor.invoke('settings.sources', {}))).toEqual({ hq: [], canManage: true });
    const set = ok(await supervisor.invoke('settings.set', { key: 'sip.wsUrl', value: 'wss://pbx.test/ws' }));
    expect(set['sip.wsUrl']).toBe('wss://pbx.test/ws');
    expect(audit('settings.set').map((e) => e.key)).toEqual([
      'audio.inputDeviceId',
      'ui.language',
      'sip.wsUrl',
    ]);
    expect(audit('settings.set')[2]?.detail).toEqual({ old: '', new: 'wss://pbx.test/ws' });
  });

  it('never gives a credential through settings.get or the audit trail; the phone reads them, audited once', async () => {
    const supervisor = await as('SV01');
    const afterPassword = ok(
      await supervisor.invoke('settings.set', { key: 'sip.password', value: 'Sip-Secret-7' }),
    );
    expect(afterPassword['sip.password']).toBe('********');
    ok(await supervisor.invoke('settings.set', { key: 'sip.iceServers', value: [TURN] }));

    const agent = await as('A001');
    const shown = ok(await agent.invoke('settings.get', {}));
    expect(shown['sip.password']).toBe('********');
    expect(shown['sip.iceServers']).toEqual([{ ...TURN, credential: '********' }]);

    // Masked values given back keep the stored ones (the settings screen saves what it showed).
    ok(await supervisor.invoke('settings.set', { key: 'sip.password', value: '********' }));
    ok(await supervisor.invoke('settings.set', { key: 'sip.iceServers', value: shown['sip.iceServers'] }));

    expect(ok(await agent.invoke('phone.credentials', {}))).toEqual({
      password: 'Sip-Secret-7',
      iceServers: [TURN],
    });
    ok(await agent.invoke('phone.credentials', {}));
    expect(audit('sip.credentials_read')).toHaveLength(1);
    // A new login reads them again, audited again.
    const again = await as('A001');
    ok(await again.invoke('phone.credentials', {}));
    expect(audit('sip.credentials_read')).toHaveLength(2);

    const changes = audit('settings.set');
    expect(changes.map((e) => e.detail)).toEqual([
      { old: '', new: '********' },
      { old: [], new: [{ ...TURN, credential: '********' }] },
      { old: '********', new: '********' },
      { old: [{ ...TURN, credential: '********' }], new: [{ ...TURN, credential: '********' }] },
    ]);
    const everything = JSON.stringify(seat.store.db.prepare('SELECT * FROM audit').all());
    expect(everything).not.toContain('Sip-Secret-7');
    expect(everything).not.toContain('turn-Secret-9');
    // Still sealed at rest.
    const stored = JSON.stringify(seat.store.db.prepare('SELECT value FROM settings').all());
    expect(stored).not.toContain('Sip-Secret-7');
    expect(stored).not.toContain('turn-Secret-9');
  });

  it("keeps head office's value of a key it manages over the seat's, read-only to everyone here", async () => {
    const supervisor = await as('SV01');
    ok(await supervisor.invoke('settings.set', { key: 'sip.wsUrl', value: 'wss://local-pbx.test/ws' }));
    seat.store.applyPull({
      cursor: 1,
      more: false,
      salespeople: [],
      agents: [],
      customers: [],
      tasks: [],
      revoked: [],
      scripts: [],
      settings: [
        { key: 'sip.wsUrl', value: 'wss://hq-pbx.test/ws' },
        { key: 'retry.maxAttempts', value: 5 },
      ],
    });
    const settings = ok(await supervisor.invoke('settings.get', {}));
    expect([settings['sip.wsUrl'], settings['retry.maxAttempts']]).toEqual(['wss://hq-pbx.test/ws', 5]);
    expect(ok(await supervisor.invoke('settings.sources', {}))).toEqual({
      hq: ['retry.maxAttempts', 'sip.wsUrl'],
      canManage: true,
    });
    expect(
      refusal(await supervisor.invoke('settings.set', { key: 'sip.wsUrl', value: 'wss://x.test/ws' })),
    ).toEqual(['FORBIDDEN', '此项设置由总部统一设置，本机不能修改']);
    // The SIP account is the seat's own: head office does not send it, the supervisor sets it.
    ok(await supervisor.invoke('settings.set', { key: 'sip.uri', value: 'sip:8001@hq-pbx.test' }));
    expect(seat.store.settings()['sip.wsUrl']).toBe('wss://hq-pbx.test/ws');
  });

  it('enrols from the login screen only a fresh install; otherwise a supervisor logged in here', async () => {
    const args = { hqUrl: 'http://127.0.0.1:9', code: 'HQ01', password: 'x', name: '1 号坐席' };
    const forbidden = ['FORBIDDEN', '本坐席已登记过或已有坐席人员：请由主管或管理员在本机登录后再登记'];
    const anonymous = inProcessBridge(seat);
    bridges.push(anonymous);
    expect(refusal(await anonymous.invoke('sync.enrol', args))).toEqual(forbidden);
    expect(refusal(await (await as('A001')).invoke('sync.enrol', args))).toEqual(forbidden);
    // A supervisor gets as far as head office (unreachable here).
    const bySupervisor = await (await as('SV01')).invoke('sync.enrol', args);
    expect(bySupervisor.ok === false && bySupervisor.error.code).toBe('CONFLICT');

    const fresh = Seat.open({ dbPath: tmp.file('fresh.db'), appVersion: 'test', onDefect: () => {} });
    try {
      fresh.store.ensureSeat(BRANCH);
      const r = await inProcessBridge(fresh).invoke('sync.enrol', args);
      expect(r.ok === false && r.error.code).toBe('CONFLICT');
    } finally {
      fresh.close();
    }
  });
});
