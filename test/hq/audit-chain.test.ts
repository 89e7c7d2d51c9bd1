/**
 * The audit chains at head office (issue 14, point 5): a seat's chain checked link by link on arrival (a
 * broken link quarantined as BROKEN_CHAIN, flagged to administrators, and what follows still taken); head
 * office's own chain; the daily signed anchor. The verifier names the first broken link of a single-row edit,
 * a deletion, an insertion and a rewrite made with the triggers disabled, and the anchor catches a rewrite
 * that recomputed every hash.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as seatChain from '../../electron/seat/store/audit-chain';
import { SeatStore } from '../../electron/seat/store/seat-store';
import { hqAudit } from '../../hq/audit';
import * as hqChain from '../../hq/audit-chain';
import { sealAuditChain, verifyAuditChains } from '../../hq/audit-chain';
import { watch } from '../../hq/watch';
import { CHAIN_GENESIS } from '../../shared/contract/audit-chain';
import type { Enrolment, OutboxEntry, PushResponse } from '../../shared/contract/sync';
import { BRANCH, tempDir } from '../support/fixtures';
import { auditEntry, startHq, type TestHq } from '../support/hq';
import { DB_KINDS } from '../support/hq-db';

describe('the same chain hash at the seat and at head office', () => {
  it('hashes the same link alike, whatever order the detail keys came in', () => {
    const link = {
      seq: 7,
      prevHash: CHAIN_GENESIS,
      id: uuidv7(),
      at: '2026-11-26T02:00:00.000+08:00',
      seatId: uuidv7(),
      agentId: null,
      action: 'customer.reveal',
      entityType: 'customer',
      entityId: 'C1',
      detail: { field: 'idNumber', n: [1, { b: 2, a: '值' }] },
    };
    const reordered = {
      ...link,
      at: '2026-11-25T18:00:00Z',
      detail: { n: [1, { a: '值', b: 2 }], field: 'idNumber' },
    };
    expect(seatChain.auditHash(link)).toBe(hqChain.auditHash(link));
    expect(hqChain.auditHash(reordered)).toBe(seatChain.auditHash(link));
    expect(hqChain.auditHash({ ...link, entityId: 'C2' })).not.toBe(seatChain.auditHash(link));
  });
});

describe.each(DB_KINDS)('audit chains at head office, on %s', (kind) => {
  let t: TestHq;
  let seat: Enrolment;
  let store: SeatStore;
  let keyDir: string;
  let tmp: ReturnType<typeof tempDir>;
  let sent = 0;
  let clock = new Date('2026-11-26T02:00:00.000Z');
  const tick = () => {
    clock = new Date(clock.getTime() + 1000);
  };

  /** The seat's outbox entries not pushed yet, as the seat sends them. */
  const unsent = (): OutboxEntry[] =>
    (
      store.db
        .prepare('SELECT seq, kind, entity_id, created_at, payload FROM outbox WHERE seq > ? ORDER BY seq')
        .all(sent) as { seq: number; kind: string; entity_id: string; created_at: string; payload: string }[]
    ).map((r) => ({
      seq: r.seq,
      kind: r.kind,
      entityId: r.entity_id,
      createdAt: r.created_at,
      payload: JSON.parse(r.payload),
    })) as OutboxEntry[];
  const push = async (entries: object[]) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/sync/push',
      headers: { authorization: `Seat ${seat.token}` },
      payload: { seatId: seat.seatId, entries },
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as PushResponse;
    sent = body.appliedSeq;
    return body;
  };
  const audits = (n: number, action = 'session.login') => {
    for (let i = 0; i < n; i++) {
      tick();
      store.audit({
        agentId: null,
        action,
        entityType: 'agent',
        entityId: `A${i}`,
        detail: { i, z: 'z', a: 'a' },
      });
    }
  };
  const verify = () => verifyAuditChains(t.hq, keyDir);
  /** Runs `statement` on `audit` with its triggers disabled, as someone with the database's credentials can. */
  const behindTriggers = async (...statements: string[]) => {
    await sql.raw('ALTER TABLE audit DISABLE TRIGGER ALL').execute(t.hq.db.db);
    try {
      for (const statement of statements) await sql.raw(statement).execute(t.hq.db.db);
    } finally {
      await sql.raw('ALTER TABLE audit ENABLE TRIGGER ALL').execute(t.hq.db.db);
    }
  };
  const row = (where: string) =>
    sql<{
      id: string;
      chain_seq: number;
      entry_seq: number;
    }>`SELECT id, chain_seq, entry_seq FROM audit WHERE ${sql.raw(where)}`
      .execute(t.hq.db.db)
      .then((r) => {
        const first = r.rows[0];
        if (!first) throw new Error(`no audit row where ${where}`);
        return first;
      });

  beforeAll(async () => {
    t = await startHq(kind, () => clock);
    tmp = tempDir();
    keyDir = tmp.dir;
    seat = await t.enrol(BRANCH.branchId, '上海 1 号坐席');
    store = SeatStore.open(tmp.file('seat.db'), { now: () => clock });
    store.db
      .prepare('INSERT INTO seat (singleton, id, branch_id, branch_name, created_at) VALUES (1, ?, ?, ?, ?)')
      .run(seat.seatId, BRANCH.branchId, BRANCH.branchName, clock.toISOString());
    audits(3);
    const res = await push(unsent());
    expect(res.refused).toEqual([]);
    await hqAudit(t.hq.db.db, {
      at: clock.toISOString(),
      userId: null,
      action: 'hq.recording_playback',
      entityType: 'recording',
      entityId: 'R1',
      detail: { b: 1, a: 2 },
      ip: '10.0.0.1',
    });
  }, 60_000);
  afterAll(async () => {
    store?.close();
    await t?.close();
    tmp?.cleanup();
  });
  // Every test leaves the trail intact: what it broke it puts back.
  afterEach(async () => {
    expect((await verify()).breaks).toEqual([]);
  });

  it('keeps the seat chain as the seat wrote it, and head office its own', async () => {
    const seatRows = store.db
      .prepare('SELECT id, chain_seq, prev_hash, hash FROM audit ORDER BY rowid')
      .all();
    const held = await t.hq.db.db
      .selectFrom('audit')
      .select(['id', 'chain_seq', 'prev_hash', 'hash'])
      .where('chain_seat_id', '=', seat.seatId)
      .orderBy('entry_seq')
      .execute();
    expect(held).toEqual(seatRows);
    const own = await t.hq.db.db
      .selectFrom('audit')
      .select(['action', 'chain_seq'])
      .where('chain_seat_id', 'is', null)
      .orderBy('chain_seq')
      .execute();
    // The first link starts the chain; head office's own entries (the test's login and enrolment among them) follow.
    expect(own[0]?.action).toBe('audit.chain_start');
    expect(own.map((o) => o.action)).toEqual(
      expect.arrayContaining(['audit.seat_chain_start', 'hq.recording_playback']),
    );
    expect(own.map((o) => o.chain_seq)).toEqual(own.map((_, i) => i + 1));
    const report = await verify();
    expect(report).toMatchObject({ hqEntries: own.length, seatChains: 1, seatEntries: 3, breaks: [] });
  });

  it('quarantines a pushed entry that does not link (BROKEN_CHAIN), flags it, and takes what follows', async () => {
    audits(3);
    const entries = unsent();
    // The middle one forged after it was hashed: what the seat's trail said is not what arrives.
    const forged = entries[1] as OutboxEntry & { payload: { action: string } };
    forged.payload.action = 'customer.reveal';
    const res = await push(entries);
    expect(res.appliedSeq).toBe(entries[2]?.seq);
    expect(res.refused).toEqual([
      {
        seq: forged.seq,
        status: 422,
        code: 'BROKEN_CHAIN',
        message: expect.stringContaining(`第 ${forged.seq} 条（audit）：审计链第 5 条的内容与其哈希不符`),
      },
    ]);
    const ids = await t.hq.db.db
      .selectFrom('audit')
      .select('id')
      .where('chain_seat_id', '=', seat.seatId)
      .orderBy('entry_seq')
      .execute();
    expect(ids.map((r) => r.id)).toContain(entries[2]?.entityId);
    expect(ids.map((r) => r.id)).not.toContain(forged.entityId);
    const flagged = (await watch(t.hq, null)).quarantine.find((q) => q.seq === forged.seq);
    expect(flagged).toMatchObject({ seatId: seat.seatId, kind: 'audit', status: 422, code: 'BROKEN_CHAIN' });

    // A history the seat rewrote (its next entry links to something head office never had): refused too,
    // and the seat's entries after it are taken.
    tick();
    store.audit({ agentId: null, action: 'session.logout', entityType: 'agent', entityId: 'A0', detail: {} });
    tick();
    store.audit({ agentId: null, action: 'session.login', entityType: 'agent', entityId: 'A0', detail: {} });
    const [rewritten, next] = unsent() as [OutboxEntry & { payload: Record<string, unknown> }, OutboxEntry];
    const p = rewritten.payload;
    p.prevHash = 'a'.repeat(64);
    p.hash = seatChain.auditHash({
      seq: p.chainSeq as number,
      prevHash: p.prevHash as string,
      id: p.id as string,
      at: p.at as string,
      seatId: seat.seatId,
      agentId: null,
      action: p.action as string,
      entityType: p.entityType as string,
      entityId: p.entityId as string,
      detail: p.detail,
    });
    // The seat's next entry links to the one it really wrote; head office follows the rewritten one's hash.
    const res2 = await push([rewritten, next]);
    expect(res2.refused.map((r) => [r.seq, r.code])).toEqual([
      [rewritten.seq, 'BROKEN_CHAIN'],
      [next.seq, 'BROKEN_CHAIN'],
    ]);
    // From there on the chain is taken again.
    audits(1);
    const res3 = await push(unsent());
    expect(res3.refused).toEqual([]);
  });

  it('chains the entries of a seat too old to send links into its own chain', async () => {
    const old = await t.enrol(BRANCH.branchId, '旧版坐席');
    const entry = auditEntry(old.seatId, 1);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/sync/push',
      headers: { authorization: `Seat ${old.token}` },
      payload: { seatId: old.seatId, entries: [entry] },
    });
    expect(res.statusCode, res.body).toBe(200);
    const held = await t.hq.db.db
      .selectFrom('audit')
      .select(['chain_seat_id', 'chain_seq', 'seat_id'])
      .where('id', '=', entry.entityId)
      .executeTakeFirstOrThrow();
    expect(held).toMatchObject({ chain_seat_id: null, seat_id: old.seatId });
    expect(held.chain_seq).toBeGreaterThan(1);
  });

  it('names a single-row edit made with the triggers disabled, at head office and in a seat chain', async () => {
    const own = await row("action = 'hq.recording_playback'");
    await behindTriggers(`UPDATE audit SET detail = '{"a":2,"b":9}' WHERE id = '${own.id}'`);
    expect((await verify()).breaks).toEqual([
      { chain: '总部', seq: own.chain_seq, id: own.id, reason: expect.stringContaining('内容与其哈希不符') },
    ]);
    await behindTriggers(`UPDATE audit SET detail = '{"b":1,"a":2}' WHERE id = '${own.id}'`);
    expect((await verify()).breaks).toEqual([]);

    const theirs = await row(`chain_seat_id = '${seat.seatId}' AND chain_seq = 2`);
    await behindTriggers(`UPDATE audit SET action = 'customer.reveal' WHERE id = '${theirs.id}'`);
    expect((await verify()).breaks).toEqual([
      {
        chain: `坐席 ${seat.seatId}`,
        seq: theirs.entry_seq,
        id: theirs.id,
        reason: expect.stringContaining('内容与其哈希不符'),
      },
    ]);
    await behindTriggers(`UPDATE audit SET action = 'session.login' WHERE id = '${theirs.id}'`);
  });

  it('names a deletion', async () => {
    const own = await row("action = 'hq.recording_playback'");
    await behindTriggers(
      `CREATE TABLE audit_kept AS SELECT * FROM audit WHERE id = '${own.id}'`,
      `DELETE FROM audit WHERE id = '${own.id}'`,
    );
    try {
      const [broken] = (await verify()).breaks;
      expect(broken).toMatchObject({
        chain: '总部',
        seq: own.chain_seq,
        reason: expect.stringContaining('被删除'),
      });
    } finally {
      await behindTriggers('INSERT INTO audit SELECT * FROM audit_kept', 'DROP TABLE audit_kept');
    }

    const theirs = await row(`chain_seat_id = '${seat.seatId}' AND chain_seq = 2`);
    await behindTriggers(
      `CREATE TABLE audit_kept AS SELECT * FROM audit WHERE id = '${theirs.id}'`,
      `DELETE FROM audit WHERE id = '${theirs.id}'`,
    );
    try {
      const [broken] = (await verify()).breaks;
      expect(broken).toMatchObject({
        chain: `坐席 ${seat.seatId}`,
        reason: expect.stringContaining('不接续'),
      });
    } finally {
      await behindTriggers('INSERT INTO audit SELECT * FROM audit_kept', 'DROP TABLE audit_kept');
    }
  });

  it('names an insertion, outside the chains or posing as a link', async () => {
    const id = uuidv7();
    await behindTriggers(
      `INSERT INTO audit (id, at, seat_id, user_id, action, entity_type, entity_id, detail)
       VALUES ('${id}', '${clock.toISOString()}', NULL, NULL, 'hq.login', 'user', 'HQ01', '{}')`,
    );
    expect((await verify()).breaks).toEqual([
      { chain: '总部', seq: 0, id, reason: expect.stringContaining('不在任何审计链中（被插入）') },
    ]);
    await behindTriggers(`DELETE FROM audit WHERE id = '${id}'`);

    // A forged seat entry between two real ones, under a free outbox number.
    const a = await row(`chain_seat_id = '${seat.seatId}' AND chain_seq = 1`);
    await behindTriggers(
      `INSERT INTO audit (id, at, seat_id, user_id, action, entity_type, entity_id, detail, chain_seat_id,
                          chain_seq, prev_hash, hash, entry_seq)
       SELECT '${id}', at, seat_id, NULL, 'customer.reveal', 'customer', 'C1', '{}', chain_seat_id, 2, hash,
              '${'b'.repeat(64)}', entry_seq
       FROM audit WHERE id = '${a.id}'`,
      `UPDATE audit SET entry_seq = entry_seq + 1000 WHERE id = '${id}'`,
    );
    // (Numbered after every real one, it sits at the end: the walk meets it last and it does not link.)
    const [broken] = (await verify()).breaks;
    expect(broken).toMatchObject({ chain: `坐席 ${seat.seatId}`, id });
    await behindTriggers(`DELETE FROM audit WHERE id = '${id}'`);
  });

  it('catches with the signed anchor a rewrite that recomputed every hash', async () => {
    const anchor = await sealAuditChain(t.hq, keyDir);
    expect(readdirSync(join(keyDir))).toContain('audit-anchor-key.pem');
    expect(statSync(join(keyDir, 'audit-anchor-key.pem')).mode & 0o777).toBe(0o600);
    expect(anchor.anchor.seats[seat.seatId]).toBeDefined();
    expect((await verify()).anchors).toBeGreaterThanOrEqual(1);

    // Rewrite head office's playback entry and every link after it, hashes and all.
    const own = await row("action = 'hq.recording_playback'");
    const saved = await sql<
      Record<string, unknown>
    >`SELECT * FROM audit WHERE chain_seat_id IS NULL AND chain_seq >= ${own.chain_seq} ORDER BY chain_seq`.execute(
      t.hq.db.db,
    );
    const rewrite = async (edit: (r: Record<string, unknown>) => Record<string, unknown>) => {
      let prev = (
        await sql<{
          hash: string;
        }>`SELECT hash FROM audit WHERE chain_seat_id IS NULL AND chain_seq = ${own.chain_seq - 1}`.execute(
          t.hq.db.db,
        )
      ).rows[0]?.hash as string;
      for (const original of saved.rows) {
        const r = edit(original);
        const hash = hqChain.auditHash({
          seq: Number(r.chain_seq),
          prevHash: prev,
          id: String(r.id),
          at: String(r.at),
          seatId: (r.seat_id as string | null) ?? null,
          agentId: (r.user_id as string | null) ?? null,
          action: String(r.action),
          entityType: String(r.entity_type),
          entityId: String(r.entity_id),
          detail: r.detail,
          ip: (r.ip as string | null) ?? null,
        });
        await behindTriggers(
          `UPDATE audit SET detail = '${JSON.stringify(r.detail)}', prev_hash = '${prev}', hash = '${hash}' WHERE id = '${String(r.id)}'`,
        );
        prev = hash;
      }
    };
    await rewrite((r) => (r.id === own.id ? { ...r, detail: { a: 2, b: 1, note: '已改' } } : r));
    const breaks = (await verify()).breaks;
    expect(breaks).toHaveLength(1);
    expect(breaks[0]).toMatchObject({
      chain: '总部',
      reason: expect.stringContaining('签名封存的哈希不符（历史被重写）'),
    });
    // Without the anchors the rewrite would hold: the anchor is what caught it.
    const noAnchors = Object.assign(Object.create(t.hq.recordings) as typeof t.hq.recordings, {
      listAnchors: async () => [],
    });
    expect((await verifyAuditChains({ db: t.hq.db, recordings: noAnchors }, keyDir)).breaks).toEqual([]);
    await rewrite((r) => r);

    // The last links removed, the anchored one among them: the chain now ends before what was sealed.
    const sealed = await row(`chain_seat_id IS NULL AND chain_seq = ${anchor.anchor.hq.seq}`);
    await behindTriggers(
      `CREATE TABLE audit_kept AS SELECT * FROM audit WHERE chain_seat_id IS NULL AND chain_seq >= ${sealed.chain_seq}`,
      `DELETE FROM audit WHERE chain_seat_id IS NULL AND chain_seq >= ${sealed.chain_seq}`,
    );
    try {
      expect((await verify()).breaks).toEqual([
        {
          chain: '总部',
          seq: sealed.chain_seq,
          id: null,
          reason: expect.stringContaining('签名封存（其后的记录被删除）'),
        },
      ]);
    } finally {
      await behindTriggers('INSERT INTO audit SELECT * FROM audit_kept', 'DROP TABLE audit_kept');
    }

    // A seat's last link rewritten with its hash recomputed: it still links, but not to what was sealed.
    const { entrySeq, chainSeq } = anchor.anchor.seats[seat.seatId] as { entrySeq: number; chainSeq: number };
    const last = (
      await sql<
        Record<string, unknown>
      >`SELECT * FROM audit WHERE chain_seat_id = ${seat.seatId} AND entry_seq = ${entrySeq}`.execute(
        t.hq.db.db,
      )
    ).rows[0] as Record<string, unknown>;
    const forgedHash = seatChain.auditHash({
      seq: chainSeq,
      prevHash: String(last.prev_hash),
      id: String(last.id),
      at: String(last.seat_at ?? last.at),
      seatId: seat.seatId,
      agentId: null,
      action: 'customer.reveal',
      entityType: String(last.entity_type),
      entityId: String(last.entity_id),
      detail: last.detail,
    });
    await behindTriggers(
      `UPDATE audit SET action = 'customer.reveal', hash = '${forgedHash}' WHERE id = '${String(last.id)}'`,
    );
    try {
      expect((await verify()).breaks).toEqual([
        {
          chain: `坐席 ${seat.seatId}`,
          seq: entrySeq,
          id: last.id,
          reason: expect.stringContaining('签名封存的哈希不符（历史被重写）'),
        },
      ]);
    } finally {
      await behindTriggers(
        `UPDATE audit SET action = '${String(last.action)}', hash = '${String(last.hash)}' WHERE id = '${String(last.id)}'`,
      );
    }
  });

  it('takes a seat restored from a backup going on from a link it holds, and records the fork', async () => {
    // What a restored seat sends: its next entry after the backup's last link (position 2 here), not after
    // what head office has since received.
    const base = await t.hq.db.db
      .selectFrom('audit')
      .select(['chain_seq', 'hash'])
      .where('chain_seat_id', '=', seat.seatId)
      .where('chain_seq', '=', 2)
      .executeTakeFirstOrThrow();
    tick();
    const id = uuidv7();
    const payload = {
      id,
      at: clock.toISOString(),
      seatId: seat.seatId,
      agentId: null,
      action: 'sync.renumber',
      entityType: 'outbox',
      entityId: '3',
      detail: { moved: 0 },
      chainSeq: 3,
      prevHash: base.hash as string,
      hash: '',
    };
    payload.hash = seatChain.auditHash({ ...payload, seq: 3 });
    const entry = { seq: sent + 1, kind: 'audit', entityId: id, createdAt: payload.at, payload };
    expect((await push([entry])).refused).toEqual([]);
    const fork = await t.hq.db.db
      .selectFrom('audit')
      .select('detail')
      .where('action', '=', 'audit.seat_chain_fork')
      .executeTakeFirstOrThrow();
    expect(fork.detail).toMatchObject({ entrySeq: entry.seq, chainSeq: 3, prevHash: base.hash });
    // A fork from a link head office never had is a break.
    tick();
    const stray = { ...payload, id: uuidv7(), chainSeq: 2, prevHash: 'd'.repeat(64) };
    stray.hash = seatChain.auditHash({ ...stray, seq: 2 });
    const res = await push([
      { seq: sent + 1, kind: 'audit', entityId: stray.id, createdAt: stray.at, payload: stray },
    ]);
    expect(res.refused.map((r) => r.code)).toEqual(['BROKEN_CHAIN']);
  });

  it('refuses an anchor not signed with head office key', async () => {
    await sealAuditChain(t.hq, keyDir);
    const [first] = await t.hq.recordings.listAnchors();
    if (!first) throw new Error('no anchor');
    const forged = JSON.parse(first.body) as hqChain.SignedAnchor;
    forged.anchor.hq.hash = 'c'.repeat(64);
    const dir = join(tmp.dir, 'forged-anchors');
    const { DirectoryRecordingStore } = await import('../../hq/recordings/store');
    const other = new DirectoryRecordingStore(dir);
    await other.putAnchor('forged.json', JSON.stringify(forged));
    const report = await verifyAuditChains({ db: t.hq.db, recordings: other }, keyDir);
    expect(report.breaks).toEqual([
      { chain: '锚点 forged.json', seq: 0, id: null, reason: expect.stringContaining('锚点签名无效') },
    ]);
  });
});
