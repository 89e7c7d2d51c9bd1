/**
 * Disk full at the seat, on a real file system that fills: an 8 MiB tmpfs mounted for this test (mounting
 * needs root, as CI has). A recording chunk and a database write then answer DISK_FULL in Chinese, what was
 * saved before stays, a seat that cannot start on the full disk releases its database, and once there is room
 * again it starts and closes the cut recording as interrupted.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessBridge } from '../../../electron/seat/in-process';
import { DISK_FULL_MESSAGE, Seat } from '../../../electron/seat/seat';
import { StoreOpenError } from '../../../electron/seat/store/database';
import { BRANCH, PASSWORD, smallBranch } from '../../support/fixtures';
import { answeredCall } from '../../support/script';

const root = process.getuid?.() === 0;
if (!root) console.warn('skipped: mounting a tmpfs for the disk-full test needs root');

describe.runIf(root)('the seat on a full disk (skipped unless root)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'seat-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', dir]);
  });
  afterAll(() => {
    execFileSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  });

  /** Fills what is left of the disk with a file; returns its path. */
  function fill(): string {
    const path = join(dir, 'filler');
    const fd = openSync(path, 'a');
    const block = Buffer.alloc(4096, 1);
    try {
      for (;;) writeSync(fd, block);
    } catch (error) {
      expect((error as { code?: string }).code).toBe('ENOSPC');
    } finally {
      closeSync(fd);
    }
    return path;
  }

  it('says 磁盘空间不足, keeps what was saved, and starts again once there is room', async () => {
    const dbPath = join(dir, 'seat.db');
    const opts = { dbPath, appVersion: 'disk-full-test', onDefect: () => {} };
    let seat = Seat.open(opts);
    seat.store.ensureSeat(BRANCH);
    const branch = await smallBranch();
    seat.store.importReferenceData(branch.batch);
    const agent = inProcessBridge(seat);
    const login = await agent.invoke('session.login', { agentCode: 'A001', password: PASSWORD });
    expect(login.ok).toBe(true);
    const call = answeredCall(seat.store, branch.ids.agent, branch.ids.taskA, join(dir, 'recordings'));
    // Ballast that takes most of the disk, so that removing it later gives room again.
    const ballast = join(dir, 'ballast');
    writeFileSync(ballast, Buffer.alloc(6 * 1024 * 1024));

    // The recording grows until the disk is full: that chunk is refused, the ones before it are kept.
    const chunk = Buffer.alloc(256 * 1024, 7).toString('base64');
    let kept = 0;
    let refused: { code: string; message: string } | null = null;
    for (let seq = 0; seq < 100 && refused === null; seq++) {
      const r = await agent.invoke('recording.chunk', { recordingId: call.recordingId, seq, data: chunk });
      if (r.ok) kept = r.value.sizeBytes;
      else refused = r.error;
    }
    expect(refused).toEqual({ code: 'DISK_FULL', message: DISK_FULL_MESSAGE });
    expect(kept).toBeGreaterThan(0);
    const filler = fill();

    // A database write on the full disk: refused the same way, nothing half-written.
    const reveal = await agent.invoke('customer.reveal', {
      customerId: branch.ids.customerA,
      field: 'phone',
      taskId: branch.ids.taskA,
    });
    expect(reveal.ok === false && reveal.error).toEqual({ code: 'DISK_FULL', message: DISK_FULL_MESSAGE });
    await seat.shutdown();

    // Restarting on the full disk cannot close the cut recording: it says why and lets go of the database.
    expect(() => Seat.open(opts)).toThrow(StoreOpenError);
    expect(() => Seat.open(opts)).toThrow(/^坐席无法启动：磁盘空间不足/);

    // With room again, the seat starts (the database was released) and keeps the recording as interrupted.
    rmSync(filler);
    rmSync(ballast);
    seat = Seat.open(opts);
    try {
      const row = seat.store.db
        .prepare('SELECT status, size_bytes AS size FROM recordings WHERE id = ?')
        .get(call.recordingId) as { status: string; size: number };
      expect(row).toEqual({ status: 'interrupted', size: kept });
      expect(statSync(join(dir, 'recordings')).isDirectory()).toBe(true);
    } finally {
      await seat.shutdown();
    }
  }, 60_000);
});
