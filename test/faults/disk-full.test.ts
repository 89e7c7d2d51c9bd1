/**
 * The seat on a disk that fills, FAULT_KILLS times: a real 8 MiB tmpfs (mounting needs root; skipped with the
 * reason otherwise). Each time the disk is filled to the last byte, wrap-ups are committed through the seat's
 * contract (each refused with DISK_FULL, or saved whole), room is made again, and the refused ones are committed
 * again, as the agent would; now and then the seat is restarted. In the end every wrap-up is in the store
 * exactly once with its outbox entry, in the order the agent saved them, nothing of a refused try is left, the
 * outbox has no hole and `PRAGMA integrity_check` is ok.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v4 as uuidv4, v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessBridge } from '../../electron/seat/in-process';
import { Seat } from '../../electron/seat/seat';
import type { SeatBridge } from '../../shared/contract';
import { BRANCH, PASSWORD, smallBranch } from '../support/fixtures';
import { resultFor } from '../support/seat';
import {
  bound,
  CLEAN,
  clean,
  KILLS,
  newFigures,
  prng,
  readSeat,
  SEED,
  seqGaps,
  writeFigures,
} from './support';

const root = process.getuid?.() === 0;
if (!root) console.warn('skipped: the seat on a full tmpfs: mounting a tmpfs needs root');

describe.runIf(root)('the seat on a disk that fills (skipped unless root)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fault-full-'));
    // 8 MiB, as the disk-full test's, plus room for what the loop's wrap-ups add to the database over a long run.
    const size = 8 * 1024 + Math.ceil(KILLS / 10) * 1024;
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}k`, 'tmpfs', dir]);
  });
  afterAll(() => {
    execFileSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  });

  /** Fills what is left of the disk; returns the filler's path. */
  function fill(): string {
    const path = join(dir, 'filler');
    const fd = openSync(path, 'a');
    const block = Buffer.alloc(4096, 1);
    try {
      for (;;) writeSync(fd, block);
    } catch (error) {
      if ((error as { code?: string }).code !== 'ENOSPC') throw error;
    } finally {
      closeSync(fd);
    }
    // The last blocks a 4 KiB write could not take.
    const fd2 = openSync(path, 'a');
    try {
      for (;;) writeSync(fd2, Buffer.alloc(1, 1));
    } catch {
      // full to the byte
    } finally {
      closeSync(fd2);
    }
    return path;
  }

  it(
    `keeps every wrap-up saved, and nothing of a refused one, through ${KILLS} full disks`,
    async () => {
      const f = newFigures('disk-full');
      const rand = prng(SEED + 7);
      const dbPath = join(dir, 'seat.db');
      const opts = { dbPath, appVersion: 'fault-test', onDefect: () => {} };
      let seat = Seat.open(opts);
      seat.store.ensureSeat(BRANCH);
      const branch = await smallBranch();
      seat.store.importReferenceData(branch.batch);
      // The tasks the loop works, made in one transaction while there is room.
      const tasks = Array.from({ length: KILLS * 6 }, () => uuidv4());
      seat.store.importReferenceData({
        salespeople: [],
        agents: [],
        customers: [],
        tasks: tasks.map((id) => ({
          id,
          customerId: branch.ids.customerA,
          branchId: BRANCH.branchId,
          assignedAgentId: null,
          status: 'open' as const,
          createdAt: seat.store.now(),
          purposes: [
            {
              type: 'notification' as const,
              deadlineAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
              reason: '故障测试',
              salespersonId: null,
            },
          ],
        })),
      });
      let api: SeatBridge;
      const login = async () => {
        api = inProcessBridge(seat);
        const r = await api.invoke('session.login', { agentCode: 'A001', password: PASSWORD });
        expect(r.ok).toBe(true);
      };
      await login();

      const saved: string[] = [];
      const refusedIds = new Set<string>();
      const otherErrors: string[] = [];
      let refusals = 0;
      /** One wrap-up through the contract: saved, or refused with DISK_FULL (anything else is counted). */
      const commit = async (id: string, taskId: string) => {
        const r = await api.invoke('result.commit', resultFor(taskId, { id, outcome: 'refused' }));
        if (r.ok) {
          saved.push(id);
          refusedIds.delete(id);
          return true;
        }
        if (r.error.code === 'DISK_FULL') refusals += 1;
        else otherErrors.push(`${r.error.code}: ${r.error.message}`);
        return false;
      };
      let next = 0;
      for (let k = 0; k < KILLS; k++) {
        const filler = fill();
        const before = refusals;
        const tries: [string, string][] = [];
        for (let i = 0, n = rand.int(1, 3); i < n; i++) tries.push([uuidv7(), tasks[next++] ?? '']);
        for (const [id, taskId] of tries) if (!(await commit(id, taskId))) refusedIds.add(id);
        if (refusals > before) f.kills += 1;
        const check = seat.store.db.pragma('integrity_check', { simple: true });
        if (check !== 'ok') f.integrity += 1;
        rmSync(filler);
        // Room again: the agent saves the refused wrap-ups once more, and works on.
        for (const [id, taskId] of tries) if (refusedIds.has(id)) await commit(id, taskId);
        await commit(uuidv7(), tasks[next++] ?? '');
        if (k % 5 === 4) {
          await seat.shutdown();
          seat = Seat.open(opts);
          await login();
        }
      }
      await seat.shutdown();

      const store = readSeat(dbPath);
      if (store.integrity !== 'ok') f.integrity += 1;
      if (seqGaps(store.entries) > 0) f.integrity += 1;
      const results = store.entries.filter((e) => e.kind === 'result');
      const inOutbox = new Map(results.map((e) => [e.entityId, e.seq]));
      f.lost = saved.filter((id) => !store.ids.has(id) || !inOutbox.has(id)).length + refusedIds.size;
      f.duplicated = results.length - inOutbox.size + (saved.length - new Set(saved).size);
      // Nothing of a try that was refused and never saved afterwards.
      const leftovers = [...refusedIds].filter((id) => store.ids.has(id) || inOutbox.has(id)).length;
      f.integrity += leftovers;
      let prev = 0;
      for (const id of saved) {
        const seq = inOutbox.get(id) ?? 0;
        if (seq < prev) f.reordered += 1;
        prev = Math.max(prev, seq);
      }
      f.detail = {
        saved: saved.length,
        refusals,
        otherErrors: otherErrors.length,
        entries: store.entries.length,
      };
      writeFigures(f);
      expect(clean(f)).toEqual(CLEAN('disk-full'));
      expect(otherErrors).toEqual([]);
    },
    bound(60_000, 3_000),
  );
});
