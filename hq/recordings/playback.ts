import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, statSync } from 'node:fs';
import type { Hq } from '../context';
import { HqError } from '../http/errors';
import { sha256File } from './hash';

/** Peaks per channel in the waveform, whatever the length of the call. */
export const WAVEFORM_BUCKETS = 1200;
/** The rate the waveform is decoded at: plenty for peaks, and quick (30 minutes in about 3.5 s here). */
const WAVEFORM_RATE = 4000;

export interface PlaybackCopy {
  sha256: string;
  sizeBytes: number;
  durationMs: number;
  /** 0–1 per bucket: agent (left) and customer (right). */
  peaks: { left: number[]; right: number[] };
}

function run(command: string, args: string[], onStdout?: (chunk: Buffer) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', onStdout ? 'pipe' : 'ignore', 'pipe'] });
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => onStdout?.(chunk));
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'ENOENT'
          ? new HqError(503, 'UNAVAILABLE', '总部服务器未安装 ffmpeg，无法生成回放副本')
          : e,
      ),
    );
    // 'close', not 'exit': only then has all of its output been read.
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} exited ${code}: ${stderr.slice(0, 500)}`)),
    );
  });
}

/**
 * The waveform of a stereo recording: the peak of each channel per bucket, and the duration from the decoded
 * samples. Decoded as 16-bit stereo at 4 kHz; peaks are first taken per 10 ms block, then folded into
 * `WAVEFORM_BUCKETS` once the length is known.
 */
export async function waveform(file: string): Promise<{ durationMs: number; peaks: PlaybackCopy['peaks'] }> {
  const block = WAVEFORM_RATE / 100;
  const left: number[] = [];
  const right: number[] = [];
  let l = 0;
  let r = 0;
  let inBlock = 0;
  let frames = 0;
  let carry: Buffer = Buffer.alloc(0);
  await run(
    'ffmpeg',
    ['-v', 'error', '-i', file, '-ac', '2', '-ar', String(WAVEFORM_RATE), '-f', 's16le', 'pipe:1'],
    (chunk) => {
      const data: Buffer = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      const whole = data.length - (data.length % 4);
      for (let i = 0; i < whole; i += 4) {
        l = Math.max(l, Math.abs(data.readInt16LE(i)));
        r = Math.max(r, Math.abs(data.readInt16LE(i + 2)));
        if (++inBlock === block) {
          left.push(l);
          right.push(r);
          l = r = inBlock = 0;
        }
      }
      frames += whole / 4;
      carry = data.subarray(whole);
    },
  );
  if (inBlock > 0) {
    left.push(l);
    right.push(r);
  }
  const fold = (blocks: number[]) => {
    const n = Math.min(WAVEFORM_BUCKETS, blocks.length);
    const out: number[] = [];
    for (let b = 0; b < n; b++) {
      let peak = 0;
      const end = Math.floor(((b + 1) * blocks.length) / n);
      for (let i = Math.floor((b * blocks.length) / n); i < end; i++) peak = Math.max(peak, blocks[i] ?? 0);
      out.push(Math.round((peak / 32768) * 1000) / 1000);
    }
    return out;
  };
  return {
    durationMs: Math.round((frames / WAVEFORM_RATE) * 1000),
    peaks: { left: fold(left), right: fold(right) },
  };
}

const pending = new WeakMap<Hq, Map<string, Promise<PlaybackCopy>>>();

/**
 * The playback copy of a stored recording, made once: the original WebM from the seat has no duration and no
 * cues (MediaRecorder writes it as a stream), so a player cannot seek in it. The copy is the same audio
 * remuxed by ffmpeg (no re-encoding; bit-exact, so it comes out the same every time), with its own SHA-256;
 * the original is never touched. Made in the background when a recording is stored, or on the first playback.
 */
export function ensurePlaybackCopy(hq: Hq, recordingId: string): Promise<PlaybackCopy> {
  const inFlight = pending.get(hq) ?? new Map<string, Promise<PlaybackCopy>>();
  pending.set(hq, inFlight);
  const running = inFlight.get(recordingId);
  if (running) return running;
  const made = makeCopy(hq, recordingId).finally(() => inFlight.delete(recordingId));
  inFlight.set(recordingId, made);
  return made;
}

/** Waits for the playback copies being made (head office closing must not cut one off half-way). */
export async function settlePlaybackCopies(hq: Hq): Promise<void> {
  await Promise.allSettled([...(pending.get(hq)?.values() ?? [])]);
}

async function existing(hq: Hq, recordingId: string): Promise<PlaybackCopy | null> {
  const row = await hq.db.db
    .selectFrom('playback_copies')
    .select(['sha256', 'size_bytes', 'duration_ms', 'peaks'])
    .where('recording_id', '=', recordingId)
    .executeTakeFirst();
  return row
    ? { sha256: row.sha256, sizeBytes: row.size_bytes, durationMs: row.duration_ms, peaks: row.peaks }
    : null;
}

async function makeCopy(hq: Hq, recordingId: string): Promise<PlaybackCopy> {
  const made = await existing(hq, recordingId);
  if (made) return made;
  const rec = await hq.db.db
    .selectFrom('recordings')
    .select(['seat_id', 'stored_at'])
    .where('id', '=', recordingId)
    .executeTakeFirst();
  if (!rec?.stored_at) throw new HqError(404, 'NOT_FOUND', '录音尚未从坐席上传');
  const original = hq.recordings.localPath(rec.seat_id, recordingId);
  // Beside the target, so the final move is a rename on one file system.
  const tmp = `${hq.recordings.playbackPath(rec.seat_id, recordingId)}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await run('ffmpeg', [
      '-v',
      'error',
      '-i',
      original,
      '-map',
      '0:a',
      '-c',
      'copy',
      '-fflags',
      '+bitexact',
      '-f',
      'webm',
      tmp,
    ]);
    const { durationMs, peaks } = await waveform(tmp);
    const copy: PlaybackCopy = {
      sha256: await sha256File(tmp),
      sizeBytes: statSync(tmp).size,
      durationMs,
      peaks,
    };
    await hq.recordings.putPlayback(rec.seat_id, recordingId, tmp);
    await hq.db.db
      .insertInto('playback_copies')
      .values({
        recording_id: recordingId,
        sha256: copy.sha256,
        size_bytes: copy.sizeBytes,
        duration_ms: copy.durationMs,
        peaks: JSON.stringify(copy.peaks),
        made_at: hq.now().toISOString(),
      })
      .onConflict((oc) => oc.column('recording_id').doNothing())
      .execute();
    return (await existing(hq, recordingId)) ?? copy;
  } finally {
    rmSync(tmp, { force: true });
  }
}
