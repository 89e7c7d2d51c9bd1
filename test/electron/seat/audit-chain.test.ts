/**
 * The seat's audit chain (issue 14, point 5): each entry carries its position, the previous entry's hash and
 * its own; the entries written before migration 8 are chained by it in order; an edit, a deletion or an
 * insertion made behind the append-only triggers' back (dropped, the change made, recreated) is found and
 * named by the check at the seat's start, which says so and records it, and the seat still starts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Seat } from '../../../electron/seat/seat';
import {
  type StoredAuditRow,
  storedChainText,
  verifySeatChain,
} from '../../../electron/seat/store/audit-chain';
import { type Db, openDatabase } from '../../../electron/seat/store/database';
import { SeatStore } from '../../../electron/seat/store/seat-store';
import { auditChainText, CHAIN_GENESIS } from '../../../shared/contract/audit-chain';
import { BRANCH, tempDir } from '../../support/fixtures';

const T0 = new Date('2026-11-26T02:00:00.000Z');

/** Runs `change` on the audit table with its append-only triggers dropped, then puts them back. */
function behindTriggers(db: Db, change: string): void {
  db.exec(`DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete; ${change};
    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
      BEGIN SELECT RAISE(ABORT, 'append-only: audit cannot be updated'); END;
    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
      BEGIN SELECT RAISE(ABORT, 'append-only: audit cannot be deleted'); END;`);
}

describe('the seat audit chain', () => {
  let tmp: ReturnType<typeof tempDir>;
  let path: string;
  let clock: Date;
  beforeEach(() => {
    tmp = tempDir();
    path = tmp.file('seat.db');
    clock = T0;
  });
  afterEach(() => tmp.cleanup());

  /** A seat store with `n` audit entries (a second apart); returns it open. */
  const storeWith = (n: number) => {
    const store = SeatStore.open(path, { now: () => clock });
    store.ensureSeat(BRANCH);
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      clock = new Date(T0.getTime() + i * 1000);
      ids.push(
        store.audit({
          agentId: null,
          action: 'session.login',
          entityType: 'agent',
          entityId: `A${i}`,
          detail: { b: i, a: [i, { z: 1, y: '审计' }] },
        }),
      );
    }
    return { store, ids };
  };

  it('links every entry to the one before and sends the links to head office with it', () => {
    const { store, ids } = storeWith(3);
    const rows = store.db
      .prepare('SELECT id, chain_seq, prev_hash, hash FROM audit ORDER BY rowid')
      .all() as { id: string; chain_seq: number; prev_hash: string; hash: string }[];
    expect(rows.map((r) => r.chain_seq)).toEqual([1, 2, 3]);
    expect(rows[0]?.prev_hash).toBe(CHAIN_GENESIS);
    expect(rows[1]?.prev_hash).toBe(rows[0]?.hash);
    expect(rows[2]?.prev_hash).toBe(rows[1]?.hash);
    const payloads = (
      store.db.prepare("SELECT payload FROM outbox WHERE kind = 'audit' ORDER BY seq").all() as {
        payload: string;
      }[]
    ).map((p) => JSON.parse(p.payload) as { id: string; chainSeq: number; prevHash: string; hash: string });
    expect(payloads.map((p) => [p.id, p.chainSeq, p.prevHash, p.hash])).toEqual(
      rows.map((r) => [r.id, r.chain_seq, r.prev_hash, r.hash]),
    );
    expect(ids).toEqual(rows.map((r) => r.id));
    expect(verifySeatChain(store.db)).toEqual({ entries: 3, broken: null });
    store.close();
  });

  it('hashes the detail as stored, the same text as the canonical form, tricky strings included', () => {
    const { store } = storeWith(0);
    store.audit({
      agentId: null,
      action: 'customer.reveal',
      entityType: 'customer',
      entityId: 'C"1\\ \u2028 \ud83d\ude00',
      detail: { z: ['引号"', '\\', null, 1.5, true], a: { y: '\u00e9', x: -0 }, '10': 1, '2': 2 },
    });
    const row = store.db.prepare('SELECT * FROM audit').get() as StoredAuditRow;
    const canonical = auditChainText({
      seq: row.chain_seq as number,
      prevHash: row.prev_hash as string,
      id: row.id,
      at: row.at,
      seatId: row.seat_id,
      agentId: row.agent_id,
      action: row.action,
      entityType: row.entity_type,
      entityId: row.entity_id,
      detail: JSON.parse(row.detail),
    });
    expect(storedChainText(row)).toBe(canonical);
    store.close();
  });

  it('migration 8 chains the entries written before it, in the order they were written', () => {
    const v7 = openDatabase(path, { targetVersion: 7 });
    const insert = v7.prepare(
      `INSERT INTO audit (id, at, seat_id, agent_id, action, entity_type, entity_id, detail)
       VALUES (?, ?, 'S1', NULL, 'session.login', 'agent', ?, ?)`,
    );
    // Ids out of time order: the chain follows the order written (rowid), as the trail's list does.
    insert.run('c', '2026-11-26T02:00:00.000Z', 'A1', '{"x":1}');
    insert.run('a', '2026-11-26T03:00:00.000Z', 'A2', '{}');
    insert.run('b', '2026-11-26T01:00:00.000Z', 'A3', '{"k":"值"}');
    v7.close();
    const db = openDatabase(path);
    const rows = db.prepare('SELECT id, chain_seq FROM audit ORDER BY chain_seq').all();
    expect(rows).toEqual([
      { id: 'c', chain_seq: 1 },
      { id: 'a', chain_seq: 2 },
      { id: 'b', chain_seq: 3 },
    ]);
    expect(verifySeatChain(db)).toEqual({ entries: 3, broken: null });
    // Append-only again after the migration.
    expect(() => db.prepare("UPDATE audit SET action = 'x' WHERE id = 'a'").run()).toThrow(/append-only/);
    db.close();
  });

  it('names a single edited entry', () => {
    const { store, ids } = storeWith(5);
    behindTriggers(store.db, `UPDATE audit SET action = 'customer.reveal' WHERE id = '${ids[2]}'`);
    expect(verifySeatChain(store.db).broken).toMatchObject({
      seq: 3,
      id: ids[2],
      reason: expect.stringContaining('被改动'),
    });
    store.close();
  });

  it('names an edit of the detail even when its keys are written in another order', () => {
    const { store, ids } = storeWith(3);
    // Same content, other key order: not a change.
    behindTriggers(
      store.db,
      `UPDATE audit SET detail = '{"a":[0,{"y":"审计","z":1}],"b":0}' WHERE id = '${ids[0]}'`,
    );
    expect(verifySeatChain(store.db).broken).toBeNull();
    behindTriggers(
      store.db,
      `UPDATE audit SET detail = '{"a":[0,{"y":"审计","z":2}],"b":0}' WHERE id = '${ids[0]}'`,
    );
    expect(verifySeatChain(store.db).broken).toMatchObject({ seq: 1, id: ids[0] });
    store.close();
  });

  it('names a deleted entry by the position missing', () => {
    const { store, ids } = storeWith(5);
    behindTriggers(store.db, `DELETE FROM audit WHERE id = '${ids[1]}'`);
    expect(verifySeatChain(store.db).broken).toMatchObject({
      seq: 2,
      id: ids[2],
      reason: expect.stringContaining('缺少第 2 条'),
    });
    store.close();
  });

  it('names an inserted entry, with or without chain fields', () => {
    const { store } = storeWith(3);
    store.db
      .prepare(
        `INSERT INTO audit (id, at, seat_id, agent_id, action, entity_type, entity_id, detail)
         VALUES ('forged', '2026-11-26T02:00:00.500Z', 'S', NULL, 'customer.reveal', 'customer', 'C1', '{}')`,
      )
      .run();
    expect(verifySeatChain(store.db).broken).toMatchObject({
      seq: 4,
      id: 'forged',
      reason: expect.stringContaining('被插入'),
    });
    store.close();

    // A forged entry given the next free position and a correct-looking link is still out of place among the
    // entries it claims to sit between.
    const second = tempDir();
    path = second.file('seat.db');
    const { store: s2, ids: ids2 } = storeWith(3);
    const head = s2.db.prepare('SELECT hash FROM audit WHERE chain_seq = 1').get() as { hash: string };
    behindTriggers(
      s2.db,
      `DROP INDEX audit_by_chain_seq;
       INSERT INTO audit (id, at, seat_id, agent_id, action, entity_type, entity_id, detail, chain_seq, prev_hash, hash)
       VALUES ('forged', '2026-11-26T02:00:00.500Z', 'S', NULL, 'customer.reveal', 'customer', 'C1', '{}', 2,
               '${head.hash}', '${'f'.repeat(64)}')`,
    );
    expect(verifySeatChain(s2.db).broken).toMatchObject({ seq: 4, id: 'forged' });
    expect(ids2).toHaveLength(3);
    s2.close();
    second.cleanup();
  });

  it('at start says a broken chain and records it once, and the seat starts', () => {
    const { store, ids } = storeWith(3);
    behindTriggers(store.db, `UPDATE audit SET entity_id = 'A9' WHERE id = '${ids[1]}'`);
    store.close();
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const open = () =>
        Seat.open({ dbPath: path, appVersion: '0.1.0-test', now: () => clock, onDefect: () => {} });
      let seat = open();
      const broken = () =>
        seat.store.db
          .prepare("SELECT entity_id, detail FROM audit WHERE action = 'audit.chain_broken'")
          .all();
      expect(broken()).toEqual([{ entity_id: ids[1], detail: JSON.stringify({ id: ids[1], seq: 2 }) }]);
      expect(errors).toHaveBeenCalledWith(expect.stringContaining(`第 2 条审计记录 ${ids[1]}`));
      // Its own report goes home like any entry.
      expect(
        seat.store.db
          .prepare(
            "SELECT count(*) AS n FROM outbox WHERE kind = 'audit' AND payload LIKE '%audit.chain_broken%'",
          )
          .get(),
      ).toEqual({ n: 1 });
      seat.close();
      seat = open();
      expect(broken()).toHaveLength(1);
      expect(errors).toHaveBeenCalledTimes(2);
      seat.close();
    } finally {
      errors.mockRestore();
    }
  });

  it('at start of an intact seat says nothing', () => {
    const { store } = storeWith(2);
    store.close();
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const seat = Seat.open({
        dbPath: path,
        appVersion: '0.1.0-test',
        now: () => clock,
        onDefect: () => {},
      });
      expect(errors).not.toHaveBeenCalled();
      seat.close();
    } finally {
      errors.mockRestore();
    }
  });
});
