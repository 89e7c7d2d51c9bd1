import { describe, expect, it } from 'vitest';
import {
  type Connection,
  createDispatcher,
  describeError,
  fieldLabel,
  type Handlers,
  METHODS,
  PLAIN_MESSAGES,
  type SessionInfo,
  SetSettingArgs,
} from '../../../shared/contract';

const supervisor: SessionInfo = {
  agentId: '0196f1c2-0000-7000-8000-000000000001',
  agentCode: 'S001',
  name: '王敏',
  role: 'supervisor',
  branchId: 'BR-1',
  seatId: '0196f1c2-0000-7000-8000-000000000002',
  online: true,
  local: true,
};
const conn: Connection = { session: supervisor, push: () => {} };
const ID = '0196f1c2-0000-7000-8000-000000000003';

/** The dispatcher over handlers that must never run: every call here is refused before them. */
const dispatch = createDispatcher(
  Object.fromEntries(
    Object.keys(METHODS).map((m) => [
      m,
      () => {
        throw new Error(`${m} ran`);
      },
    ]),
  ) as unknown as Handlers,
  () => {},
);

async function refusal(method: string, args: unknown): Promise<string> {
  const r = await dispatch(conn, method, args);
  if (r.ok) throw new Error(`${method} accepted`);
  expect(r.error.code).toBe('BAD_REQUEST');
  return r.error.message;
}

/** An internal name followed by the full-width colon the old messages used (`value：`, `phone：`). */
const LEAK = /\b[a-zA-Z]+[.\w]*：/;

describe('a refused request names the field as people know it', () => {
  it('says a setting by its own label, never `value`', async () => {
    const ring = await refusal('settings.set', { key: 'sip.ringTimeoutSec', value: 5 });
    expect(ring).toBe('振铃超时（秒）不能小于 10');
    // The schema's own sentence already names the field: kept as it is.
    const server = await refusal('settings.set', { key: 'sip.wsUrl', value: 'http://pbx.example' });
    expect(server).toBe('SIP 服务器地址须以 ws:// 或 wss:// 开头');
    const uri = await refusal('settings.set', { key: 'sip.uri', value: '8001' });
    expect(uri).toBe('SIP 地址格式应为 sip:用户@域名');
    const window = await refusal('settings.set', {
      key: 'calling.window',
      value: [{ start: '9:00', end: '11:30' }],
    });
    expect(window).toBe('可拨打时段第 1 项的开始时间：时间格式应为 HH:MM');
    const name = await refusal('settings.set', { key: 'sip.displayName', value: 'x'.repeat(65) });
    expect(name).toBe('显示名称不能超过 64 个字');
    for (const m of [ring, server, uri, window, name]) {
      expect(m).not.toMatch(LEAK);
      expect(m).not.toContain('value');
    }
  });

  it('says 手机号, 备注 and 任务 where the contract says phone, notes, note and taskId', async () => {
    const phone = await refusal('review.search', { phone: '张伟' });
    expect(phone).toBe('手机号须为完整的 11 位');
    const notes = await refusal('script.notes', { taskId: ID, notes: '备'.repeat(2001) });
    expect(notes).toBe('备注不能超过 2,000 个字');
    const note = await refusal('review.findingAct', {
      findingId: ID,
      action: 'assign',
      assigneeId: ID,
      note: 'x'.repeat(1001),
    });
    expect(note).toBe('备注不能超过 1,000 个字');
    const task = await refusal('task.get', { taskId: 'not-a-uuid' });
    expect(task).toBe('任务格式不正确');
    const missing = await refusal('task.get', {});
    expect(missing).toBe('请填写任务');
    const control = await refusal('script.notes', { taskId: ID, notes: 'a\u0000b' });
    expect(control).toBe('备注：内容含有不可见的控制字符，请删除后重试');
    for (const m of [phone, notes, note, task, missing, control]) expect(m).not.toMatch(LEAK);
  });

  it('says the problem without the name when people have no name for it', async () => {
    const extra = await refusal('task.get', { taskId: ID, sql: 'DROP TABLE tasks' });
    expect(extra).toBe('请求格式不正确（含有不支持的内容）');
    expect(extra).not.toContain('sql');
    expect(await refusal('task.get', 'x')).toBe('请求格式不正确');
    expect(await refusal('settings.set', { key: 'ui.theme', value: 'dark' })).toBe('设置项无效');
  });

  it('labels a nested path and stops at a name it does not know', () => {
    expect(
      fieldLabel(['value', 1, 'urls'], { method: 'settings.set', args: { key: 'sip.iceServers' } }),
    ).toBe('ICE 服务器第 2 项的服务器地址');
    expect(fieldLabel(['notes'])).toBe('备注');
    expect(fieldLabel(['internalThing'])).toBeNull();
    expect(fieldLabel(['value'], { method: 'script.answer' })).toBe('回答');
  });

  it('gives the renderer the seat’s own sentence for a form field', () => {
    const parsed = SetSettingArgs.safeParse({ key: 'dial.outsidePrefix', value: '9a' }, PLAIN_MESSAGES);
    expect(parsed.success).toBe(false);
    if (!parsed.success) {
      expect(
        describeError(parsed.error, { method: 'settings.set', args: { key: 'dial.outsidePrefix' } }),
      ).toBe('外线前缀只能包含数字、* 和 #');
    }
  });
});
