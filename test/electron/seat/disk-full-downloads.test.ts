/**
 * Disk full at the seat for what a supervisor saves (issue 13, finding 7): a recording downloaded from head
 * office and a report exported, into a downloads folder on a real tmpfs that is full. Both say 磁盘空间不足
 * and leave no cut-off file behind; with room again, both are saved whole. Mounting needs root (CI has it).
 */

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessBridge } from '../../../electron/seat/in-process';
import { DISK_FULL_MESSAGE } from '../../../electron/seat/seat';
import { PASSWORD } from '../../support/fixtures';
import { invoke, startReviewScene } from '../../support/review-scene';

const root = process.getuid?.() === 0;
if (!root) console.warn('skipped: mounting a tmpfs for the disk-full downloads test needs root');

describe.runIf(root)('a supervisor’s downloads on a full disk (skipped unless root)', () => {
  let dir: string;
  let scene: Awaited<ReturnType<typeof startReviewScene>>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'seat-downloads-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]);
    scene = await startReviewScene({ seconds: 20, spacingMs: 500, downloadsDir: join(dir, 'downloads') });
  }, 120_000);
  afterAll(async () => {
    await scene?.close();
    execFileSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  });

  /** Fills what is left of the disk; returns the filler's path. */
  function fill(): string {
    const path = join(dir, 'filler');
    const fd = openSync(path, 'a');
    try {
      for (;;) writeSync(fd, Buffer.alloc(4096, 1));
    } catch (error) {
      expect((error as { code?: string }).code).toBe('ENOSPC');
    } finally {
      closeSync(fd);
    }
    return path;
  }

  it('says 磁盘空间不足 for a download and an export, keeps no partial file, and saves both once there is room', async () => {
    const supervisor = inProcessBridge(scene.seat);
    await invoke(supervisor, 'session.login', { agentCode: 'SH01', password: PASSWORD });
    const filler = fill();
    const range = {
      from: new Date(Date.parse(scene.done.committedAt) - 86_400_000).toISOString(),
      to: new Date(Date.parse(scene.done.committedAt) + 86_400_000).toISOString(),
    };
    const download = await supervisor.invoke('review.download', { recordingId: scene.done.recordingId });
    expect(download.ok === false && download.error).toEqual({
      code: 'DISK_FULL',
      message: DISK_FULL_MESSAGE,
    });
    const exported = await supervisor.invoke('review.export', { ...range, format: 'xlsx' });
    expect(exported.ok === false && exported.error).toEqual({
      code: 'DISK_FULL',
      message: DISK_FULL_MESSAGE,
    });
    expect(readdirSync(join(dir, 'downloads'))).toEqual([]);

    rmSync(filler);
    const saved = await invoke(supervisor, 'review.download', { recordingId: scene.done.recordingId });
    expect(createHash('sha256').update(readFileSync(saved.path)).digest('hex')).toBe(scene.done.sha256);
    const report = await invoke(supervisor, 'review.export', { ...range, format: 'xlsx' });
    expect(readFileSync(report.path).subarray(0, 2).toString()).toBe('PK');
  });
});
