/**
 * Head office revokes and rotates a seat's token (issue 14, point 3): administrators only, audited; a revoked
 * token is refused at the very next request although it was just used (and cached), a rotated one likewise,
 * and a revoked seat may be enrolled again under its own id by a supervisor of its branch or an
 * administrator — a live seat stays 409.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Enrolment } from '../../shared/contract/sync';
import { BRANCH } from '../support/fixtures';
import { auditEntry, OTHER_BRANCH, startHq, type TestHq } from '../support/hq';
import { DB_KINDS } from '../support/hq-db';

describe.each(DB_KINDS)('seat tokens at head office on %s', (kind) => {
  let t: TestHq;
  let seat: Enrolment;
  let supervisor: string;

  beforeEach(async () => {
    t = await startHq(kind, () => new Date('2026-12-01T02:00:00.000Z'));
    await t.addUser('SH01', 'supervisor', BRANCH.branchId);
    supervisor = await t.login('SH01');
    seat = await t.enrol(BRANCH.branchId, '上海 1 号坐席');
  }, 60_000);
  afterEach(async () => {
    await t?.close();
  });

  const pull = (token: string) =>
    t.app.inject({
      method: 'GET',
      url: '/api/sync/pull?cursor=0&limit=10',
      headers: { authorization: `Seat ${token}` },
    });
  const post = (url: string, token: string, payload?: object) =>
    t.app.inject({
      method: 'POST',
      url,
      headers: { authorization: `Bearer ${token}` },
      payload: payload ?? {},
    });
  const audits = async (action: string) =>
    t.hq.db.db
      .selectFrom('audit')
      .select(['user_id', 'seat_id', 'entity_id', 'detail'])
      .where('action', '=', action)
      .execute();

  it('revokes at once, by an administrator only, audited', async () => {
    expect((await pull(seat.token)).statusCode).toBe(200);

    expect((await post(`/api/seats/${seat.seatId}/revoke`, supervisor)).statusCode).toBe(403);
    expect((await pull(seat.token)).statusCode).toBe(200);

    const revoked = await post(`/api/seats/${seat.seatId}/revoke`, t.adminToken, { reason: '电脑丢失' });
    expect(revoked.statusCode, revoked.body).toBe(200);
    expect(revoked.json()).toEqual({ seatId: seat.seatId, revokedAt: '2026-12-01T02:00:00.000Z' });

    // The token was used (and cached) a moment ago; it is refused now, for pull and push alike.
    const refused = await pull(seat.token);
    expect([refused.statusCode, refused.json().message]).toEqual([
      401,
      '坐席凭据已被总部吊销，请主管重新登记本坐席',
    ]);
    const push = await t.app.inject({
      method: 'POST',
      url: '/api/sync/push',
      headers: { authorization: `Seat ${seat.token}` },
      payload: { seatId: seat.seatId, entries: [auditEntry(seat.seatId, 1)] },
    });
    expect(push.statusCode).toBe(401);

    const [entry] = await audits('hq.seat_revoke');
    expect(entry).toMatchObject({ seat_id: seat.seatId, entity_id: seat.seatId });
    expect(entry?.detail).toMatchObject({ branchId: BRANCH.branchId, reason: '电脑丢失' });
    expect(await audits('hq.seat_revoke')).toHaveLength(1);

    expect((await post(`/api/seats/${seat.seatId}/revoke`, t.adminToken)).statusCode).toBe(409);
    expect(
      (await post(`/api/seats/00000000-0000-4000-8000-000000000000/revoke`, t.adminToken)).statusCode,
    ).toBe(404);
  });

  it('rotates: the old token dead at once, a new one only to the seat at its re-enrolment', async () => {
    const other = await t.enrol(BRANCH.branchId, '上海 9 号坐席');
    expect((await pull(other.token)).statusCode).toBe(200);
    expect((await post(`/api/seats/${other.seatId}/rotate`, supervisor)).statusCode).toBe(403);

    const rotated = await post(`/api/seats/${other.seatId}/rotate`, t.adminToken);
    expect(rotated.statusCode, rotated.body).toBe(200);
    expect(rotated.json()).toEqual({ seatId: other.seatId, retiredAt: expect.any(String) });
    expect((await pull(other.token)).statusCode).toBe(401);
    expect(await audits('hq.seat_rotate')).toMatchObject([{ entity_id: other.seatId }]);
    // Twice is refused: the seat waits for its re-enrolment.
    expect((await post(`/api/seats/${other.seatId}/rotate`, t.adminToken)).statusCode).toBe(409);

    // The branch supervisor at the seat enrols it again: a new token, the same seat.
    const again = await post('/api/seats', supervisor, {
      branchId: BRANCH.branchId,
      name: '上海 9 号坐席',
      seatId: other.seatId,
    });
    expect(again.statusCode, again.body).toBe(201);
    const fresh = again.json() as Enrolment;
    expect(fresh.seatId).toBe(other.seatId);
    expect(fresh.token).not.toBe(other.token);
    expect((await pull(fresh.token)).statusCode).toBe(200);
    expect((await pull(other.token)).statusCode).toBe(401);
    expect(JSON.stringify(await audits('hq.seat_enrol'))).not.toContain(fresh.token);
  });

  it('enrols a revoked seat again under its id (its branch supervisor or an admin), never a live one', async () => {
    const again = (token: string, branchId = BRANCH.branchId) =>
      post('/api/seats', token, { branchId, name: '上海 1 号坐席（新电脑）', seatId: seat.seatId });
    // Head office had applied some of the seat's outbox: that stays.
    const pushed = await t.app.inject({
      method: 'POST',
      url: '/api/sync/push',
      headers: { authorization: `Seat ${seat.token}` },
      payload: { seatId: seat.seatId, entries: [auditEntry(seat.seatId, 1), auditEntry(seat.seatId, 2)] },
    });
    expect(pushed.json()).toMatchObject({ appliedSeq: 2 });

    const live = await again(supervisor);
    expect([live.statusCode, live.json().message]).toEqual([409, '该坐席已在总部登记']);
    expect((await pull(seat.token)).statusCode).toBe(200);

    expect((await post(`/api/seats/${seat.seatId}/revoke`, t.adminToken)).statusCode).toBe(200);
    // Another branch's supervisor may not; nor may the seat move branch this way.
    expect((await again(await t.login('BJ01'), OTHER_BRANCH.branchId)).statusCode).toBe(409);
    expect((await again(await t.login('BJ01'))).statusCode).toBe(403);

    const renewed = await again(supervisor);
    expect(renewed.statusCode, renewed.body).toBe(201);
    const enrolment = renewed.json() as Enrolment;
    expect(enrolment.seatId).toBe(seat.seatId);
    expect((await pull(seat.token)).statusCode).toBe(401);
    expect((await pull(enrolment.token)).statusCode).toBe(200);

    const row = await t.hq.db.db
      .selectFrom('seats')
      .select(['last_applied_seq', 'revoked_at', 'name'])
      .where('id', '=', seat.seatId)
      .executeTakeFirstOrThrow();
    expect([Number(row.last_applied_seq), row.revoked_at, row.name]).toEqual([
      2,
      null,
      '上海 1 号坐席（新电脑）',
    ]);
    const enrols = await audits('hq.seat_enrol');
    expect(enrols.map((e) => (e.detail as { reenrol?: boolean }).reenrol ?? false)).toEqual([false, true]);

    // Enrolled again, it is live: a second re-enrolment is refused.
    expect((await again(supervisor)).statusCode).toBe(409);
  });
});
