import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FindingsPage } from '../../shared/contract/review';
import { BRANCH, tempDir } from '../support/fixtures';
import { startHq, type TestHq } from '../support/hq';
import { type PushedCallback, pushCallback } from '../support/hq-callback';
import { DB_KINDS } from '../support/hq-db';

describe.each(DB_KINDS)('a finding raised by hand from listening, on %s', (kind) => {
  let t: TestHq;
  let tmp: ReturnType<typeof tempDir>;
  let done: PushedCallback;

  beforeAll(async () => {
    tmp = tempDir();
    t = await startHq(kind);
    await t.addUser('RV01', 'reviewer', null, '复核员');
    await t.addUser('A100', 'agent', BRANCH.branchId, '坐席');
    done = await pushCallback(t, tmp.dir, {
      branchId: BRANCH.branchId,
      idNumber: '11010519491231002X',
      phone: '13812345678',
      seat: await t.enrol(BRANCH.branchId),
      purpose: 'new_account',
    });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    tmp?.cleanup();
  });

  const raise = async (code: string, payload: object, resultId = done.resultId) =>
    t.app.inject({
      method: 'POST',
      url: `/api/results/${resultId}/findings`,
      headers: { authorization: `Bearer ${await t.login(code)}` },
      payload,
    });
  const heard = {
    textZh: '营销人员在录音中承诺保本',
    severity: 'high',
    about: 'salesperson',
    offsetMs: 12_500,
  };

  it('joins the findings as open, linked to the salesperson, the branch and the recording’s moment; audited', async () => {
    const res = await raise('RV01', heard);
    expect(res.statusCode, res.body).toBe(200);
    const { id } = res.json() as { id: string };
    const list = await t.app.inject({
      method: 'GET',
      url: '/api/findings',
      headers: { authorization: `Bearer ${await t.login('HQ01')}` },
    });
    const found = FindingsPage.parse(list.json()).items.find((f) => f.id === id);
    expect(found).toMatchObject({
      resultId: done.resultId,
      branchId: BRANCH.branchId,
      salespersonId: 'SP-SH-1',
      category: 'reviewer_observation',
      severity: 'high',
      about: 'salesperson',
      textZh: '营销人员在录音中承诺保本',
      recordingId: done.recordingId,
      offsetMs: 12_500,
      status: 'open',
    });
    const audit = await t.hq.db.db
      .selectFrom('audit')
      .innerJoin('users', 'users.id', 'audit.user_id')
      .select(['audit.entity_id', 'users.code'])
      .where('audit.action', '=', 'hq.finding_raise')
      .execute();
    expect(audit).toEqual([{ entity_id: id, code: 'RV01' }]);
  });

  it('refuses another branch’s supervisor and agents, and a finding without words', async () => {
    const other = await raise('BJ01', heard);
    expect([other.statusCode, other.json().message]).toEqual([403, '您无权访问其他营业部的数据']);
    expect((await raise('A100', heard)).statusCode).toBe(403);
    const empty = await raise('RV01', { ...heard, textZh: '  保本 ' });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().message).toContain('请写明发现的问题（至少 4 个字）');
    expect((await raise('RV01', heard, '01a21777-8f03-72eb-808c-ed2381f31823')).statusCode).toBe(404);
  });
});
