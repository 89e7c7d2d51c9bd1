/**
 * A hostile sync client (issue 13): a seat's token pushing, in random batches, a seeded mix of valid entries
 * and every kind of entry head office must not accept — control characters, numbers and dates beyond what the
 * databases keep, duplicates, another branch's task, agents who are no users of the branch, another seat's
 * ids, oversized texts, broken envelopes, a key the database refuses — with repeats of what was sent and gaps.
 * Checked: never a 5xx; nothing jams (head office's applied sequence reaches the last entry); every valid
 * entry applied exactly once, in order; every hostile one quarantined with the status expected, never applied.
 */
import { v4 as uuidv4, v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addPurposes, upsertCustomers } from '../../hq/reference';
import type { Enrolment } from '../../shared/contract/sync';
import { BRANCH } from '../support/fixtures';
import { OTHER_BRANCH, startHq, type TestHq } from '../support/hq';
import { DB_KINDS } from '../support/hq-db';
import { bound, KILLS, newFigures, prng, SEED, writeFigures } from './support';

type Expect = 200 | 403 | 409 | 422;
interface Spec {
  name: string;
  expect: Expect;
  entry: (seq: number) => Record<string, unknown>;
}

describe.each(DB_KINDS)('a hostile sync client against head office on %s', (kind) => {
  let t: TestHq;
  let seat: Enrolment;
  let other: Enrolment;
  let agentId: string;
  let bjAgentId: string;
  let myTask: string;
  let bjTask: string;
  /** A result id the other seat holds. */
  let theirs: string;
  /** A finding id already stored (a key the database refuses to see twice). */
  let takenFinding: string;

  const task = async (branchId: string) =>
    t.hq.db.db.transaction().execute(async (tx) => {
      const customerId = `C-${uuidv4()}`;
      await upsertCustomers(tx, [
        {
          id: customerId,
          name: '客户',
          idNumber: '11010519491231002X',
          phone: '13812340000',
          branchId,
          salespersonId: null,
          introducerId: null,
          openedAt: null,
          channel: 'counter',
          margin: false,
        },
      ]);
      const now = new Date().toISOString();
      const deadlineAt = new Date(Date.now() + 86_400_000).toISOString();
      return (
        await addPurposes(
          tx,
          { id: customerId, branchId },
          [{ type: 'aml', deadlineAt, reason: '反洗钱', salespersonId: null, sourceKey: customerId }],
          now,
        )
      ).taskId;
    });

  const at = () => new Date().toISOString();
  const audit =
    (detail: object = {}, over: object = {}) =>
    (seq: number) => {
      const id = uuidv7();
      return {
        seq,
        kind: 'audit',
        entityId: id,
        createdAt: at(),
        payload: {
          id,
          at: at(),
          seatId: seat.seatId,
          agentId: null,
          action: 'test.hostile',
          entityType: 'test',
          entityId: String(seq),
          detail,
          ...over,
        },
      };
    };
  const result =
    (over: object = {}, opts: { id?: () => string; envelope?: object } = {}) =>
    (seq: number) => {
      const id = opts.id?.() ?? uuidv7();
      return {
        seq,
        kind: 'result',
        entityId: id,
        createdAt: at(),
        payload: {
          id,
          taskId: myTask,
          attemptId: null,
          outcome: 'refused',
          disposition: 'connected',
          notes: '',
          retryAt: null,
          supersedesId: null,
          agentId,
          seatId: seat.seatId,
          createdAt: at(),
          answers: [],
          purposes: [],
          findings: [],
          ...over,
        },
        ...opts.envelope,
      };
    };
  const attempt = (over: object) => (seq: number) => {
    const id = uuidv7();
    return {
      seq,
      kind: 'attempt',
      entityId: id,
      createdAt: at(),
      payload: {
        id,
        taskId: myTask,
        agentId,
        seatId: seat.seatId,
        startedAt: at(),
        numberMasked: '138****0000',
        answeredAt: null,
        endedAt: at(),
        outcome: 'no_answer',
        sipCode: 480,
        ...over,
      },
    };
  };
  const answer = (stepId: string, over: object = {}) => ({
    stepId,
    purposes: ['aml'],
    value: true,
    answeredAt: at(),
    recordingId: uuidv7(),
    recordingOffsetMs: 500,
    ...over,
  });
  const finding = (over: object = {}) => ({
    id: uuidv7(),
    stepId: 'q',
    purposes: ['aml'],
    category: 'other',
    severity: 'low',
    about: 'customer',
    text: '记录',
    salespersonId: null,
    branchId: BRANCH.branchId,
    customerId: 'C-x',
    recordingId: null,
    offsetMs: null,
    ...over,
  });
  const purpose = { purpose: 'aml', outcome: 'pass', scriptId: 'aml', scriptVersion: 1 };

  const specs = (): Spec[] => [
    { name: 'valid audit', expect: 200, entry: audit() },
    { name: 'valid result', expect: 200, entry: result() },
    { name: 'valid attempt', expect: 200, entry: attempt({}) },
    { name: 'NUL in notes', expect: 422, entry: result({ notes: 'a\u0000b' }) },
    { name: 'ESC in an audit detail', expect: 422, entry: audit({ x: '\u001b[2J' }) },
    { name: 'NUL in an audit detail key', expect: 422, entry: audit({ 'k\u0000': 1 }) },
    { name: 'audit detail of 64 KiB', expect: 422, entry: audit({ x: 'y'.repeat(65_536) }) },
    { name: 'sipCode 2^31', expect: 422, entry: attempt({ sipCode: 2 ** 31 }) },
    { name: 'sipCode -1', expect: 422, entry: attempt({ sipCode: -1 }) },
    {
      name: 'answer offset 2^31',
      expect: 422,
      entry: result({ answers: [answer('q', { recordingOffsetMs: 2 ** 31 })] }),
    },
    { name: 'year 0000', expect: 422, entry: result({ createdAt: '0000-12-31T00:00:00.000Z' }) },
    { name: 'year 275757', expect: 422, entry: attempt({ startedAt: '+275757-09-13T00:00:00.000Z' }) },
    { name: 'two answers of one step', expect: 422, entry: result({ answers: [answer('q'), answer('q')] }) },
    { name: 'two outcomes of one purpose', expect: 422, entry: result({ purposes: [purpose, purpose] }) },
    {
      name: 'finding text of 2 MB',
      expect: 422,
      entry: result({ findings: [finding({ text: '保'.repeat(700_000) })] }),
    },
    { name: 'notes of 2,001 characters', expect: 422, entry: result({ notes: '字'.repeat(2001) }) },
    {
      name: 'unknown kind',
      expect: 422,
      entry: (seq) => ({ seq, kind: 'wire', entityId: 'x', createdAt: at() }),
    },
    { name: 'no envelope', expect: 422, entry: (seq) => ({ seq }) },
    { name: 'payload not an object', expect: 422, entry: (seq) => ({ ...audit()(seq), payload: 'x' }) },
    { name: "another branch's task", expect: 403, entry: result({ taskId: bjTask, outcome: 'completed' }) },
    { name: 'an agent of another branch', expect: 403, entry: result({ agentId: bjAgentId }) },
    { name: 'an unknown agent', expect: 403, entry: attempt({ agentId: uuidv4() }) },
    {
      name: "another branch's customer in a finding",
      expect: 403,
      entry: result({ taskId: uuidv4(), findings: [finding({ customerId: bjCustomer })] }),
    },
    { name: "another seat's result id", expect: 409, entry: result({}, { id: () => theirs }) },
    {
      name: 'a finding id already stored',
      expect: 422,
      entry: result({ findings: [finding({ id: takenFinding })] }),
    },
  ];
  let bjCustomer: string;

  beforeAll(async () => {
    t = await startHq(kind);
    seat = await t.enrol(BRANCH.branchId, '上海 1 号坐席');
    other = await t.enrol(BRANCH.branchId, '上海 2 号坐席');
    agentId = await t.addUser('H-A1', 'agent', BRANCH.branchId);
    bjAgentId = await t.addUser('H-B1', 'agent', OTHER_BRANCH.branchId);
    myTask = await task(BRANCH.branchId);
    bjTask = await task(OTHER_BRANCH.branchId);
    bjCustomer = (
      await t.hq.db.db
        .selectFrom('tasks')
        .select('customer_id')
        .where('id', '=', bjTask)
        .executeTakeFirstOrThrow()
    ).customer_id;
    // What the other seat sent before: a result (its id is then another seat's) with a finding.
    theirs = uuidv7();
    takenFinding = uuidv7();
    const first = result({ findings: [finding({ id: takenFinding })] }, { id: () => theirs })(1);
    (first.payload as { seatId: string }).seatId = other.seatId;
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/sync/push',
      headers: { authorization: `Seat ${other.token}` },
      payload: { seatId: other.seatId, entries: [first] },
    });
    expect(res.json()).toMatchObject({ appliedSeq: 1, refused: [] });
  }, 120_000);
  afterAll(() => t?.close());

  it(
    'answers no 5xx, never jams, applies every valid entry once and in order, quarantines every other',
    async () => {
      const figures = newFigures(`hostile-client-${kind}`);
      const random = prng(SEED);
      const all = specs();
      // Short run: 20 rounds of pushes (FAULT_KILLS); each round 1–40 entries, sent in random batches.
      const sent: { seq: number; spec: Spec; entry: Record<string, unknown> }[] = [];
      const statuses = new Map<number, number>();
      const post = async (entries: object[]) => {
        const res = await t.app.inject({
          method: 'POST',
          url: '/api/sync/push',
          headers: { authorization: `Seat ${seat.token}` },
          payload: { seatId: seat.seatId, entries },
        });
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        if (res.statusCode >= 500) figures['5xx'] += 1;
        return res;
      };
      let seq = 0;
      for (let round = 0; round < KILLS; round++) {
        const batch: typeof sent = [];
        const n = random.int(1, 40);
        for (let i = 0; i < n; i++) {
          const spec = all[random.int(0, all.length - 1)] as Spec;
          seq += 1;
          batch.push({ seq, spec, entry: spec.entry(seq) });
        }
        sent.push(...batch);
        // A gap first now and then: refused with the number head office expects, nothing applied past it.
        if (random.next() < 0.2 && batch.length > 1) {
          const gap = await post(batch.slice(1).map((b) => b.entry));
          expect([gap.statusCode, gap.json().code]).toEqual([409, 'SEQ_GAP']);
        }
        for (let i = 0; i < batch.length; ) {
          const size = random.int(1, 12);
          const part = batch.slice(i, i + size).map((b) => b.entry);
          const res = await post(part);
          expect(res.statusCode, res.body.slice(0, 500)).toBe(200);
          // A repeat of the same batch is a no-op, refusing nothing again.
          if (random.next() < 0.2) {
            const again = await post(part);
            expect([again.statusCode, again.json().refused]).toEqual([200, []]);
          }
          i += size;
        }
      }
      // Nothing jammed: head office applied (or quarantined) up to the last number.
      const seatRow = await t.hq.db.db
        .selectFrom('seats')
        .select('last_applied_seq')
        .where('id', '=', seat.seatId)
        .executeTakeFirstOrThrow();
      expect(Number(seatRow.last_applied_seq)).toBe(seq);
      const logged = await t.hq.db.db
        .selectFrom('seat_entries')
        .select('seq')
        .where('seat_id', '=', seat.seatId)
        .orderBy('seq')
        .execute();
      const seqs = logged.map((r) => Number(r.seq));
      figures.reordered = seqs.filter((s, i) => s !== i + 1).length;
      figures.duplicated = seqs.length - new Set(seqs).size;
      const quarantine = new Map(
        (
          await t.hq.db.db
            .selectFrom('quarantine')
            .select(['seq', 'status'])
            .where('seat_id', '=', seat.seatId)
            .execute()
        ).map((q) => [Number(q.seq), q.status]),
      );
      const ids = async (table: 'audit' | 'results' | 'attempts') =>
        new Set(
          (await t.hq.db.db.selectFrom(table).select('id').where('seat_id', '=', seat.seatId).execute()).map(
            (r) => r.id,
          ),
        );
      const applied = {
        audit: await ids('audit'),
        result: await ids('results'),
        attempt: await ids('attempts'),
      };
      const wrong: string[] = [];
      for (const s of sent) {
        const id = String(s.entry.entityId);
        const table = applied[s.entry.kind as keyof typeof applied];
        const isApplied = table?.has(id) ?? false;
        if (s.spec.expect === 200) {
          if (!isApplied) figures.lost += 1;
          if (quarantine.has(s.seq)) wrong.push(`${s.seq} ${s.spec.name}: quarantined`);
        } else {
          // Quarantined, not lost: kept with the status expected, and not applied.
          if (quarantine.get(s.seq) !== s.spec.expect) {
            figures.lost += 1;
            wrong.push(`${s.seq} ${s.spec.name}: quarantine ${quarantine.get(s.seq)} ≠ ${s.spec.expect}`);
          }
          if (isApplied && s.spec.expect !== 409) wrong.push(`${s.seq} ${s.spec.name}: applied`);
        }
      }
      figures.detail = {
        entries: sent.length,
        quarantined: quarantine.size,
        statuses: JSON.stringify(Object.fromEntries(statuses)),
      };
      writeFigures(figures);
      expect(wrong).toEqual([]);
      expect(figures).toMatchObject({ lost: 0, duplicated: 0, reordered: 0, '5xx': 0 });
    },
    bound(60_000, 3_000),
  );
});
