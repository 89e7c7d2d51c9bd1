import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { v4 as uuidv4 } from 'uuid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PullResponse } from '../../../../shared/contract/sync';
import { SCRIPTS_DIR } from '../../../shared/scripts/library';
import { BRANCH } from '../../../support/fixtures';
import { answeredCall } from '../../../support/script';
import { storeWithBranch } from '../../../support/seat';

type Ctx = Awaited<ReturnType<typeof storeWithBranch>>;

describe('the seat applying what it pulled from head office', () => {
  let ctx: Ctx;
  beforeEach(async () => {
    ctx = await storeWithBranch();
  });
  afterEach(() => ctx.close());

  const customer = (id: string) => ({
    id,
    name: '赵敏',
    idNumber: '11010519900202002X',
    phone: '13900001111',
    branchId: BRANCH.branchId,
    salespersonId: null,
    introducerId: null,
    openedAt: null,
    channel: null,
    margin: false,
  });
  const task = (id: string, customerId: string) => ({
    id,
    customerId,
    branchId: BRANCH.branchId,
    assignedAgentId: null,
    status: 'open' as const,
    createdAt: '2026-11-25T02:00:00.000Z',
    purposes: [
      { type: 'aml' as const, deadlineAt: '2026-12-01T15:59:59.999Z', reason: '名单', salespersonId: null },
    ],
  });
  const page = (over: Partial<PullResponse>): PullResponse => ({
    cursor: 10,
    more: false,
    salespeople: [],
    agents: [],
    customers: [],
    tasks: [],
    revoked: [],
    scripts: [],
    settings: [],
    ...over,
  });
  const count = (sql: string) => (ctx.store.db.prepare(sql).get() as { n: number }).n;

  it('applies a page and its cursor together, and a page that fails halfway leaves nothing of it', () => {
    const c = uuidv4();
    ctx.store.applyPull(page({ cursor: 10, customers: [customer(c)], tasks: [task(uuidv4(), c)] }));
    expect(ctx.store.pullCursor()).toBe(10);
    const before = count('SELECT count(*) AS n FROM customers');

    // The second task names a customer the page does not carry: the foreign key fails after the first
    // customer and task were written.
    const broken = page({
      cursor: 20,
      customers: [customer(uuidv4())],
      tasks: [task(uuidv4(), c), task(uuidv4(), uuidv4())],
    });
    expect(() => ctx.store.applyPull(broken)).toThrow(/FOREIGN KEY/);
    expect(ctx.store.pullCursor()).toBe(10);
    expect(count('SELECT count(*) AS n FROM customers')).toBe(before);
  });

  it('keeps the scripts and managed settings head office sent, and refuses a script that does not load', () => {
    const aml = JSON.parse(readFileSync(join(SCRIPTS_DIR, 'aml.json'), 'utf8'));
    aml.version = 7;
    ctx.store.applyPull(
      page({
        cursor: 30,
        scripts: [{ id: 'aml', version: 7, body: aml }],
        settings: [
          { key: 'retry.maxAttempts', value: 5 },
          // Not head office's to set: ignored.
          { key: 'sip.password', value: 'x' },
        ],
      }),
    );
    expect(ctx.store.db.prepare("SELECT version, source FROM scripts WHERE id = 'aml'").all()).toEqual([
      { version: 7, source: 'hq:aml@7' },
    ]);
    expect(ctx.store.settings()['retry.maxAttempts']).toBe(5);
    expect(ctx.store.settings()['sip.password']).toBe('');
    const broken = { ...aml, version: 8, steps: [] };
    expect(() =>
      ctx.store.applyPull(page({ cursor: 40, scripts: [{ id: 'aml', version: 8, body: broken }] })),
    ).toThrow(/does not load/);
    expect(ctx.store.pullCursor()).toBe(30);
  });

  it('takes a revoked task out of the worklist', () => {
    const before = ctx.store.worklist(ctx.ids.agent, { limit: 50 }).total;
    ctx.store.applyPull(page({ revoked: [ctx.ids.taskB] }));
    const after = ctx.store.worklist(ctx.ids.agent, { limit: 50 });
    expect(after.total).toBe(before - 1);
    expect(after.items.map((i) => i.taskId)).not.toContain(ctx.ids.taskB);
  });

  it('removes a local recording only after head office confirmed it, and only past the retention period', () => {
    const dir = join(dirname(ctx.path), 'recordings');
    const closed = (taskId: string) => {
      const call = answeredCall(ctx.store, ctx.ids.agent, taskId, dir);
      call.recordings.chunk({
        recordingId: call.recordingId,
        agentId: ctx.ids.agent,
        seq: 0,
        data: Buffer.alloc(500),
      });
      call.recordings.finish({ recordingId: call.recordingId, agentId: ctx.ids.agent, durationMs: 1000 });
      return ctx.store.db.prepare('SELECT id, path FROM recordings WHERE id = ?').get(call.recordingId) as {
        id: string;
        path: string;
      };
    };
    const stored = closed(ctx.ids.taskA);
    const notYet = closed(ctx.ids.taskB);
    ctx.store.markStored(stored.id);
    // Within the default 30 days: both stay.
    expect(ctx.store.pruneRecordings()).toBe(0);
    ctx.store.setSetting(ctx.ids.agent, 'recordings.retentionDays', 0);
    expect(ctx.store.pruneRecordings()).toBe(1);
    expect(existsSync(stored.path)).toBe(false);
    expect(existsSync(notYet.path)).toBe(true);
    expect(ctx.store.pruneRecordings()).toBe(0);
    const audit = ctx.store.db
      .prepare("SELECT detail FROM audit WHERE action = 'recording.local_pruned'")
      .all();
    expect(audit).toEqual([{ detail: JSON.stringify({ count: 1, retentionDays: 0 }) }]);
  });

  it('acknowledges forward only, and lists only entries head office has not acknowledged', () => {
    ctx.store.audit({ agentId: null, action: 'x', entityType: 'y', entityId: 'z', detail: {} });
    ctx.store.audit({ agentId: null, action: 'x', entityType: 'y', entityId: 'z', detail: {} });
    expect(ctx.store.unackedEntries(10).map((e) => e.seq)).toEqual([1, 2]);
    ctx.store.acknowledge(1);
    ctx.store.acknowledge(0);
    expect(ctx.store.unackedEntries(10).map((e) => e.seq)).toEqual([2]);
    expect(ctx.store.outboxStatus()).toEqual({ pending: 1, lastSeq: 2 });
  });

  it('never takes an acknowledgement above its own highest entry for one of its own', () => {
    ctx.store.audit({ agentId: null, action: 'x', entityType: 'y', entityId: 'z', detail: {} });
    ctx.store.audit({ agentId: null, action: 'x', entityType: 'y', entityId: 'z', detail: {} });
    // Head office has 5 entries of this seat; this one made 2 (it was restored from a backup).
    expect(ctx.store.acknowledge(5)).toEqual({ fromSeq: 3, hqSeq: 5, moved: 0 });
    // The next entry (here the audit of that) is numbered after head office's 5, and still to be sent.
    const [next] = ctx.store.unackedEntries(10);
    expect(next).toMatchObject({ seq: 6, kind: 'audit' });
    expect(next?.payload).toMatchObject({ action: 'sync.renumber' });
  });

  it('numbers unsent entries again after head office’s, in order and unchanged, in one transaction', () => {
    for (const id of ['a', 'b', 'c']) {
      ctx.store.audit({ agentId: null, action: 'x', entityType: 'y', entityId: id, detail: {} });
    }
    ctx.store.acknowledge(1);
    const before = ctx.store.unackedEntries(10);
    expect(ctx.store.rebaseOutbox(2, 7)).toEqual({ fromSeq: 2, hqSeq: 7, moved: 2 });
    const after = ctx.store.unackedEntries(10);
    expect(after.map((e) => e.seq)).toEqual([8, 9, 10]);
    expect(after.slice(0, 2).map(({ seq: _s, ...rest }) => rest)).toEqual(
      before.map(({ seq: _s, ...rest }) => rest),
    );
    expect(after[2]?.payload).toMatchObject({ action: 'sync.renumber' });
  });
});
