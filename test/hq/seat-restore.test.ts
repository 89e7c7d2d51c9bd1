/**
 * A seat restored from a backup of its database (a copy of seat.db put back after later syncs) numbers its
 * outbox again from where it was: the entries it makes after the restore reuse numbers head office already
 * applied to other entries. Nothing may be dropped: head office refuses the reused numbers (SEQ_CONFLICT) or
 * acknowledges beyond what the seat has, and the seat numbers its unsent entries after head office's, says so
 * and audits it.
 */
import { copyFileSync, existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inProcessBridge } from '../../electron/seat/in-process';
import { Seat } from '../../electron/seat/seat';
import { BRANCH, tempDir } from '../support/fixtures';
import { HQ_PASSWORD, startHq, type TestHq } from '../support/hq';
import { DB_KINDS } from '../support/hq-db';
import { invoke } from '../support/review-scene';

describe.each(DB_KINDS)('a seat restored from a backup, against head office on %s', (kind) => {
  let t: TestHq;
  let tmp: ReturnType<typeof tempDir>;
  let seat: Seat | null = null;
  let seatId: string;

  const open = () => {
    seat = Seat.open({ dbPath: tmp.file('seat.db'), appVersion: 'restore-test', onDefect: () => {} });
    return seat;
  };
  const close = async () => {
    await seat?.shutdown();
    seat = null;
  };
  /** An audit fact at the seat, named so head office's copy can be found. */
  const fact = (s: Seat, name: string) =>
    s.store.audit({ agentId: null, action: 'test.fact', entityType: 'test', entityId: name, detail: {} });
  const atHq = async () =>
    (
      await t.hq.db.db
        .selectFrom('audit')
        .select('entity_id')
        .where('action', '=', 'test.fact')
        .where('seat_id', '=', seatId)
        .orderBy('at')
        .execute()
    ).map((r) => r.entity_id);
  const backup = () => {
    copyFileSync(tmp.file('seat.db'), tmp.file('backup.db'));
    expect(existsSync(tmp.file('seat.db-wal'))).toBe(false);
  };
  const restore = () => copyFileSync(tmp.file('backup.db'), tmp.file('seat.db'));

  beforeEach(async () => {
    t = await startHq(kind);
    tmp = tempDir();
    const s = open();
    s.store.ensureSeat(BRANCH);
    await invoke(inProcessBridge(s), 'sync.enrol', {
      hqUrl: t.url,
      code: 'HQ01',
      password: HQ_PASSWORD,
      name: '上海 1 号坐席',
    });
    seatId = s.store.seat()?.id as string;
    fact(s, 'before-1');
    fact(s, 'before-2');
    await s.sync.round();
    await close();
    backup();
    const again = open();
    fact(again, 'after-backup-1');
    fact(again, 'after-backup-2');
    fact(again, 'after-backup-3');
    await again.sync.round();
    expect(again.store.outboxStatus().pending).toBe(0);
    await close();
    restore();
  }, 60_000);
  afterEach(async () => {
    await close();
    await t?.close();
    tmp?.cleanup();
  });

  it('sends what it made after the restore, numbered after head office’s entries, and says so', async () => {
    const s = open();
    fact(s, 'after-restore-1');
    fact(s, 'after-restore-2');
    fact(s, 'after-restore-3');
    await s.sync.round();
    expect(s.store.outboxStatus().pending).toBe(0);
    expect(await atHq()).toEqual([
      'before-1',
      'before-2',
      'after-backup-1',
      'after-backup-2',
      'after-backup-3',
      'after-restore-1',
      'after-restore-2',
      'after-restore-3',
    ]);
    expect(s.sync.status().notice).toMatch(
      /^本坐席数据曾从备份恢复：总部已有第 \d+–\d+ 号记录，本机 3 条未上传的记录已改为第 \d+ 号起重新上传，没有记录丢失$/,
    );
    // Audited at the seat, and sent home for supervisors.
    const renumbered = await t.hq.db.db
      .selectFrom('audit')
      .select(['detail'])
      .where('action', '=', 'sync.renumber')
      .where('seat_id', '=', seatId)
      .execute();
    expect(renumbered).toHaveLength(1);
    expect(renumbered[0]?.detail).toMatchObject({ moved: 3 });
    // Each of head office's sequence numbers holds one entry; the seat's now follow on.
    const seqs = (
      await t.hq.db.db.selectFrom('seat_entries').select('seq').where('seat_id', '=', seatId).execute()
    ).map((r) => Number(r.seq));
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
  });

  it('syncs on after a restore with nothing new, and gets the first new entry home', async () => {
    const s = open();
    await s.sync.round();
    expect(s.sync.status().notice).toBeNull();
    fact(s, 'after-restore-1');
    await s.sync.round();
    expect(s.store.outboxStatus().pending).toBe(0);
    expect((await atHq()).slice(-2)).toEqual(['after-backup-3', 'after-restore-1']);
    expect(s.sync.status().notice).toMatch(/本机 1 条未上传的记录已改为第 \d+ 号起重新上传/);
  });
});
