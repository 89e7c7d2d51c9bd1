import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { auditHash, verifySeatChain } from '../electron/seat/store/audit-chain';
import { openDatabase } from '../electron/seat/store/database';
import { CHAIN_GENESIS, canonicalJson } from '../shared/contract/audit-chain';
import { type Figure, figure, quantile, size, timeMs } from './report';

/**
 * audit_verify_ms: the seat's verifier (electron/seat/store/audit-chain.ts `verifySeatChain`, what the seat
 * runs at start and `npm run audit:verify -- --seat` runs) over a real seat database whose audit table holds
 * 1,000,000 chained entries (BENCH_SMOKE=1: 2,000): every row read from SQLite, its detail parsed, its
 * canonical text hashed, each link checked. Head office's verifier hashes the same canonical text per row
 * but reads it from PostgreSQL in pages; filling PGlite with a million rows would take the run's time, so
 * the seat's chain is what is timed. Target ≤ 5,000 ms. The baseline, in the same run on the same rows: read
 * every row and SHA-256 its stored fields as they are (no canonical form, no JSON, no link checks) — the
 * floor of any verifier that reads and hashes each entry. The median of three runs each.
 */
export async function auditVerifyFigures(): Promise<Figure[]> {
  const n = size(1_000_000, 2_000);
  const dir = join(tmpdir(), `bench-audit-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  const db = openDatabase(join(dir, 'seat.db'));
  try {
    fill(db, n);
    const verified: number[] = [];
    const baseline: number[] = [];
    for (let run = 0; run < 3; run++) {
      let report: ReturnType<typeof verifySeatChain> | null = null;
      verified.push(
        timeMs(() => {
          report = verifySeatChain(db);
        }),
      );
      const r = report as ReturnType<typeof verifySeatChain> | null;
      if (r?.entries !== n || r.broken !== null) {
        throw new Error(
          `audit_verify: ${r?.entries} entries verified of ${n}, broken: ${JSON.stringify(r?.broken)}`,
        );
      }
      let rows = 0;
      baseline.push(
        timeMs(() => {
          const all = db
            .prepare(
              `SELECT chain_seq, prev_hash, hash, id, at, seat_id, agent_id, action, entity_type, entity_id, detail
               FROM audit ORDER BY rowid`,
            )
            .raw()
            .iterate() as IterableIterator<unknown[]>;
          for (const row of all) {
            createHash('sha256').update(row.join('\u0001')).digest('hex');
            rows++;
          }
        }),
      );
      if (rows !== n) throw new Error(`audit_verify baseline: ${rows} rows read of ${n}`);
    }
    return [figure('security', 'audit_verify_ms', 'ms', quantile(verified, 0.5), quantile(baseline, 0.5), n)];
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `n` audit entries of one seat, chained and stored as appendAudit does (canonical detail), in one transaction. */
function fill(db: ReturnType<typeof openDatabase>, n: number): void {
  const seatId = uuidv7();
  const agentId = uuidv7();
  const insert = db.prepare(
    `INSERT INTO audit (id, at, seat_id, agent_id, action, entity_type, entity_id, detail, chain_seq, prev_hash, hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const t0 = Date.parse('2026-11-26T01:00:00.000Z');
  db.transaction(() => {
    let prev = CHAIN_GENESIS;
    for (let seq = 1; seq <= n; seq++) {
      const id = uuidv7();
      const at = new Date(t0 + seq * 250).toISOString();
      const taskId = uuidv7();
      const detail = { field: 'idNumber', taskId, purposes: ['new_account'] };
      const hash = auditHash({
        seq,
        prevHash: prev,
        id,
        at,
        seatId,
        agentId,
        action: 'customer.reveal',
        entityType: 'customer',
        entityId: `C${seq}`,
        detail,
      });
      insert.run(
        id,
        at,
        seatId,
        agentId,
        'customer.reveal',
        'customer',
        `C${seq}`,
        canonicalJson(detail),
        seq,
        prev,
        hash,
      );
      prev = hash;
    }
  })();
}
