/**
 * The seat's outbox holds only what head office accepts (issue 13, finding 2): an entry the sync schemas would
 * refuse is refused at the seat, with the change it reports, while the agent can still correct it; what a
 * person typed into an audited value (a mistyped agent code) is kept with its control characters escaped.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enqueue } from '../../../../electron/seat/store/journal';
import { SeatError } from '../../../../shared/contract';
import { PAYLOADS } from '../../../../shared/contract/sync';
import { BRANCH } from '../../../support/fixtures';
import { storeWithBranch } from '../../../support/seat';
import { thrown } from '../../../support/thrown';

const seatError = (fn: () => unknown) => thrown(SeatError, fn);

describe('the outbox at the seat’s edge', () => {
  let ctx: Awaited<ReturnType<typeof storeWithBranch>>;
  beforeEach(async () => {
    ctx = await storeWithBranch();
  });
  afterEach(() => ctx.close());

  const outbox = () =>
    ctx.store.db.prepare('SELECT kind, payload FROM outbox ORDER BY seq').all() as {
      kind: string;
      payload: string;
    }[];

  it('escapes control characters in what an audit entry names, so head office takes it', () => {
    ctx.store.audit({
      agentId: null,
      action: 'session.login_failed',
      entityType: 'agent',
      entityId: 'A0\u00001',
      detail: { typed: 'x\u0007y', 'k\u0001': ['\u001b[31m'], note: '第一行\n第二行\t制表' },
    });
    const [entry] = outbox();
    const payload = JSON.parse(entry?.payload ?? '{}');
    expect(payload.entityId).toBe('A0\\u00001');
    expect(payload.detail).toEqual({
      typed: 'x\\u0007y',
      'k\\u0001': ['\\u001b[31m'],
      note: '第一行\n第二行\t制表',
    });
    expect(PAYLOADS.audit.safeParse(payload).success).toBe(true);
  });

  it('refuses an entry head office would refuse, in Chinese, and writes nothing of it', () => {
    const bad = {
      id: '01900000-0000-7000-8000-000000000001',
      taskId: ctx.ids.taskA,
      attemptId: null,
      outcome: 'completed',
      disposition: 'connected',
      notes: '',
      retryAt: null,
      supersedesId: null,
      agentId: ctx.ids.agent,
      seatId: ctx.store.seat()?.id,
      createdAt: '2026-11-26T02:00:00.000Z',
      answers: [],
      purposes: [
        { purpose: 'new_account', outcome: 'pass', scriptId: 'new_account', scriptVersion: 1 },
        { purpose: 'new_account', outcome: 'fail', scriptId: 'new_account', scriptVersion: 1 },
      ],
      findings: [],
    };
    const error = seatError(() =>
      ctx.store.db.transaction(() =>
        enqueue(ctx.store.db, BRANCH.branchId, 'result', bad.id, bad, bad.createdAt),
      )(),
    );
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toBe('无法保存：purposes.1：同一回访类型有两个结论：new_account');
    expect(outbox()).toEqual([]);
  });
});
