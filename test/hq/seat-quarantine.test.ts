/**
 * The seat's side of head office's quarantine and clock (issue 13, findings 2, 3 and 8): a real seat whose
 * callbacks head office cannot accept (made by agents head office does not know as users of the branch) gets
 * them acknowledged as quarantined, its outbox drains, later entries arrive, and 总部同步 lists them with the
 * reason; a seat whose clock is 8 hours slow knows it, and head office both records the offset and corrects
 * the times; the seat orders its own audit trail by its sequence, not by a clock that was set back.
 */
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessBridge } from '../../electron/seat/in-process';
import { Seat } from '../../electron/seat/seat';
import { BRANCH, smallBranch, tempDir } from '../support/fixtures';
import { HQ_PASSWORD, startHq, type TestHq } from '../support/hq';
import { DB_KINDS } from '../support/hq-db';
import { invoke } from '../support/review-scene';
import { answeredCall, walkScript } from '../support/script';
import { resultFor } from '../support/seat';

const SCRIPTS = resolve(import.meta.dirname, '../../assets/scripts');
const SLOW_MS = -8 * 3600_000;

describe.each(DB_KINDS)('a seat whose entries head office quarantines, on %s', (kind) => {
  let t: TestHq;
  let tmp: ReturnType<typeof tempDir>;
  let seat: Seat;
  let branch: Awaited<ReturnType<typeof smallBranch>>;
  /** The seat's clock: 8 hours slow, and set back by hand in one test. */
  let stepMs = 0;
  const seatNow = () => new Date(Date.now() + SLOW_MS + stepMs);

  beforeAll(async () => {
    t = await startHq(kind);
    tmp = tempDir();
    seat = Seat.open({
      dbPath: tmp.file('seat.db'),
      appVersion: 'quarantine-test',
      onDefect: () => {},
      now: seatNow,
    });
    seat.store.ensureSeat(BRANCH);
    await invoke(inProcessBridge(seat), 'sync.enrol', {
      hqUrl: t.url,
      code: 'HQ01',
      password: HQ_PASSWORD,
      name: '上海 1 号坐席',
    });
    // The seat's own branch data: its agents are no users of head office's.
    branch = await smallBranch();
    seat.store.importReferenceData(branch.batch);
    seat.loadScripts([SCRIPTS]);
  }, 60_000);
  afterAll(async () => {
    await seat?.shutdown();
    await t?.close();
    tmp?.cleanup();
  });

  it('drains its outbox past what head office refused, and lists each refusal with the reason', async () => {
    const agent = branch.ids.agent;
    const taskId = branch.ids.taskA;
    const call = answeredCall(seat.store, agent, taskId, join(dirname(tmp.file('seat.db')), 'recordings'));
    walkScript(seat.store, agent, taskId, call.recordingId);
    const committed = seat.store.commitResult(agent, resultFor(taskId, { attemptId: call.attemptId }));
    const marker = seat.store.audit({
      agentId: null,
      action: 'test.after',
      entityType: 'test',
      entityId: 'after-refusal',
      detail: {},
    });
    await seat.sync.round();
    const status = seat.sync.status();
    expect(status.pending).toBe(0);
    expect(status.refused).toBeGreaterThanOrEqual(1);
    // What 总部同步 shows, here to head office's administrator at the seat: this seat's agents are no users of
    // head office's, and an enrolled seat logs everyone in at head office first (#14).
    const api = inProcessBridge(seat);
    await invoke(api, 'session.login', { agentCode: 'HQ01', password: HQ_PASSWORD });
    const { items } = await invoke(api, 'sync.refused', {});
    const result = items.find((i) => i.kind === 'result');
    expect(result).toMatchObject({ entityId: committed.resultId, status: 403, code: 'FORBIDDEN' });
    expect(result?.message).toMatch(/不是本营业部（BR-SH-001）的用户/);
    // Kept at head office, verbatim, and what came after arrived.
    const q = await t.hq.db.db
      .selectFrom('quarantine')
      .select(['entity_id', 'body'])
      .where('entity_id', '=', committed.resultId)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(q.body)).toMatchObject({ kind: 'result', payload: { id: committed.resultId } });
    const after = await t.hq.db.db.selectFrom('audit').select('id').where('id', '=', marker).execute();
    expect(after).toHaveLength(1);
    // The seat audited that head office refused them, and that entry went home too.
    const refusedAudit = await t.hq.db.db
      .selectFrom('audit')
      .select('detail')
      .where('action', '=', 'sync.refused')
      .execute();
    expect(refusedAudit.length).toBeGreaterThanOrEqual(1);
    // Head office's watch shows them to its administrators.
    const watch = await t.app.inject({
      method: 'GET',
      url: '/api/watch',
      headers: { authorization: `Bearer ${t.adminToken}` },
    });
    const w = watch.json() as {
      quarantine: { entityId: string; status: number }[];
      seats: { quarantined: number }[];
    };
    expect(w.quarantine.map((x) => x.entityId)).toContain(committed.resultId);
    expect(w.seats[0]?.quarantined).toBe(status.refused);
  });

  it('knows its clock is 8 hours slow, and head office keeps the offset and corrects its times', async () => {
    await seat.sync.round();
    const offset = seat.sync.status().clockOffsetMs;
    expect(offset).not.toBeNull();
    expect(Math.abs((offset ?? 0) - SLOW_MS)).toBeLessThan(60_000);
    const row = await t.hq.db.db
      .selectFrom('seats')
      .select('clock_offset_ms')
      .where('id', '=', seat.store.seat()?.id as string)
      .executeTakeFirstOrThrow();
    expect(Math.abs(Number(row.clock_offset_ms) - SLOW_MS)).toBeLessThan(60_000);
    // An audit fact the seat stamps 8 hours ago is on head office's clock: about now.
    const id = seat.store.audit({
      agentId: null,
      action: 'test.clock',
      entityType: 'test',
      entityId: 'c',
      detail: {},
    });
    await seat.sync.round();
    const at = await t.hq.db.db
      .selectFrom('audit')
      .select('at')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(Math.abs(Date.parse(String(at.at)) - Date.now())).toBeLessThan(60_000);
  });

  it('lists its audit trail in the order it was written, after its clock was set back', async () => {
    const supervisor = branch.ids.otherAgent;
    const write = (name: string) =>
      seat.store.audit({
        agentId: supervisor,
        action: 'test.order',
        entityType: 'test',
        entityId: name,
        detail: {},
      });
    write('first');
    stepMs = -3600_000;
    write('second, an hour "earlier"');
    stepMs = 0;
    const trail = seat.store.listAudit(supervisor, 2, null);
    expect(trail.map((a) => a.entityId)).toEqual(['second, an hour "earlier"', 'first']);
    // And pages on from there.
    const older = seat.store.listAudit(supervisor, 1, trail[0]?.id ?? null);
    expect(older.map((a) => a.entityId)).toEqual(['first']);
  });
});
