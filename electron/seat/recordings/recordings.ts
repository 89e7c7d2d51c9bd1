import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { type RecordingSummary, SeatError } from '../../../shared/contract';
import { type Db, stmt } from '../store/database';
import { appendAudit, enqueue } from '../store/journal';
import { PRIVATE_DIR, PRIVATE_FILE, tightenTree } from '../store/private-files';

interface OpenRow {
  id: string;
  attemptId: string;
  agentId: string;
  path: string;
  mimeType: string;
  startedAt: string;
  nextSeq: number;
  sizeBytes: number;
}

const OPEN_COLUMNS = `id, attempt_id AS attemptId, agent_id AS agentId, path, mime_type AS mimeType,
  started_at AS startedAt, next_seq AS nextSeq, size_bytes AS sizeBytes`;

/** Makes a new directory entry durable: a file fsynced in a directory that was not is not yet on disk. */
function fsyncDir(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function sha256File(path: string): { sha256: string; size: number } {
  const bytes = readFileSync(path);
  return { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
}

/**
 * Call recordings on the seat's disk. Chunks arrive about once a second and are appended and fsynced before
 * the call answers, so a crash of either side loses at most the chunk in flight. The store knows how many
 * bytes are durable (`size_bytes` after chunk `next_seq - 1`); a tail beyond that (written, not yet
 * recorded) is cut before the retried chunk is written again. Closing a recording hashes the file, makes it
 * read-only and writes the immutable `recordings` fact.
 */
export class Recordings {
  readonly #db: Db;
  readonly #dir: string;
  readonly #seatId: () => string;
  readonly #now: () => string;

  constructor(db: Db, dir: string, seatId: () => string, now: () => string) {
    this.#db = db;
    this.#dir = dir;
    // Recordings an older build left readable by others (0755 folders, 0444 files) are tightened.
    tightenTree(dir);
    this.#seatId = seatId;
    this.#now = now;
  }

  #open(id: string, agentId: string): OpenRow {
    const row = stmt<[string], OpenRow>(
      this.#db,
      `SELECT ${OPEN_COLUMNS} FROM recordings_open WHERE id = ?`,
    ).get(id);
    if (!row) {
      const closed = stmt<[string], { id: string }>(this.#db, 'SELECT id FROM recordings WHERE id = ?').get(
        id,
      );
      throw closed
        ? new SeatError('CONFLICT', '该录音已结束，不能再写入')
        : new SeatError('NOT_FOUND', '录音不存在');
    }
    if (row.agentId !== agentId) throw new SeatError('FORBIDDEN', '只能写入自己的通话录音');
    return row;
  }

  start(a: { recordingId: string; attemptId: string; agentId: string; mimeType: string }): void {
    const existing = stmt<[string], OpenRow>(
      this.#db,
      `SELECT ${OPEN_COLUMNS} FROM recordings_open WHERE id = ?`,
    ).get(a.recordingId);
    if (existing) {
      if (existing.attemptId !== a.attemptId || existing.agentId !== a.agentId) {
        throw new SeatError('CONFLICT', '该录音编号已被使用');
      }
      return;
    }
    const attempt = stmt<[string], { agentId: string; ended: number }>(
      this.#db,
      `SELECT agent_id AS agentId, EXISTS (SELECT 1 FROM attempt_endings e WHERE e.attempt_id = a.id) AS ended
       FROM attempts a WHERE a.id = ?`,
    ).get(a.attemptId);
    if (!attempt) throw new SeatError('NOT_FOUND', '呼叫记录不存在');
    if (attempt.agentId !== a.agentId) throw new SeatError('FORBIDDEN', '只能录制自己的通话');
    const at = this.#now();
    const path = join(this.#dir, at.slice(0, 4), at.slice(5, 7), `${a.recordingId}.webm`);
    mkdirSync(dirname(path), { recursive: true, mode: PRIVATE_DIR });
    closeSync(openSync(path, 'wx', PRIVATE_FILE));
    fsyncDir(dirname(path));
    stmt(
      this.#db,
      `INSERT INTO recordings_open (id, attempt_id, agent_id, path, mime_type, started_at) VALUES (?, ?, ?, ?, ?, ?)`,
    ).run(a.recordingId, a.attemptId, a.agentId, path, a.mimeType, at);
  }

  /** Appends chunk `seq` and fsyncs it; a chunk already written is acknowledged without writing it twice. */
  chunk(a: { recordingId: string; agentId: string; seq: number; data: Buffer }): {
    nextSeq: number;
    sizeBytes: number;
  } {
    const row = this.#open(a.recordingId, a.agentId);
    if (a.seq < row.nextSeq) return { nextSeq: row.nextSeq, sizeBytes: row.sizeBytes };
    if (a.seq > row.nextSeq)
      throw new SeatError('CONFLICT', `缺少第 ${row.nextSeq} 段录音数据，请按顺序发送`);
    const fd = openSync(row.path, 'r+');
    try {
      if (fstatSync(fd).size !== row.sizeBytes) ftruncateSync(fd, row.sizeBytes);
      let written = 0;
      while (written < a.data.length)
        written += writeSync(fd, a.data, written, a.data.length - written, row.sizeBytes + written);
      fsyncSync(fd);
    } catch (error) {
      // A chunk not written whole (the disk is full, say) leaves nothing of it: the file ends where the last
      // acknowledged chunk did, as a retry or the recovery after a restart expects.
      try {
        ftruncateSync(fd, row.sizeBytes);
      } catch {
        // The next chunk truncates again before it writes.
      }
      throw error;
    } finally {
      closeSync(fd);
    }
    const sizeBytes = row.sizeBytes + a.data.length;
    stmt(this.#db, 'UPDATE recordings_open SET next_seq = ?, size_bytes = ? WHERE id = ?').run(
      row.nextSeq + 1,
      sizeBytes,
      row.id,
    );
    return { nextSeq: row.nextSeq + 1, sizeBytes };
  }

  mark(a: { recordingId: string; agentId: string; offsetMs: number; label: string; id: string }): void {
    this.#open(a.recordingId, a.agentId);
    stmt(
      this.#db,
      'INSERT INTO recording_marks (id, recording_id, offset_ms, label, at) VALUES (?, ?, ?, ?, ?)',
    ).run(a.id, a.recordingId, a.offsetMs, a.label, this.#now());
  }

  /** Closes a recording: hash, read-only file, the `recordings` fact, its outbox entry, in one transaction. */
  #close(
    row: OpenRow,
    status: 'finished' | 'interrupted',
    durationMs: number | null,
  ): { sha256: string; sizeBytes: number } {
    const { sha256, size } = existsSync(row.path)
      ? sha256File(row.path)
      : { sha256: sha256File('/dev/null').sha256, size: 0 };
    const at = this.#now();
    this.#db
      .transaction(() => {
        stmt(
          this.#db,
          `INSERT INTO recordings (id, attempt_id, path, mime_type, sha256, size_bytes, duration_ms, status, started_at, finished_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          row.id,
          row.attemptId,
          row.path,
          row.mimeType,
          sha256,
          size,
          durationMs,
          status,
          row.startedAt,
          at,
        );
        stmt(this.#db, 'DELETE FROM recordings_open WHERE id = ?').run(row.id);
        enqueue(
          this.#db,
          this.#seatId(),
          'recording',
          row.id,
          {
            id: row.id,
            attemptId: row.attemptId,
            mimeType: row.mimeType,
            sha256,
            sizeBytes: size,
            durationMs,
            status,
            startedAt: row.startedAt,
            finishedAt: at,
          },
          at,
        );
      })
      .immediate();
    // The file is evidence from now on: read-only on disk as well as in the store, and the user's alone.
    if (existsSync(row.path)) chmodSync(row.path, 0o400);
    return { sha256, sizeBytes: size };
  }

  finish(a: { recordingId: string; agentId: string; durationMs: number }): {
    sha256: string;
    sizeBytes: number;
  } {
    return this.#close(this.#open(a.recordingId, a.agentId), 'finished', a.durationMs);
  }

  /** At start: every recording a crash left open is closed as `interrupted`, hashed and kept as it is. */
  recoverInterrupted(): number {
    const rows = stmt<[], OpenRow>(this.#db, `SELECT ${OPEN_COLUMNS} FROM recordings_open`).all();
    for (const row of rows) this.#close(row, 'interrupted', null);
    return rows.length;
  }

  list(agentId: string, limit: number): RecordingSummary[] {
    return stmt<[string, number], Omit<RecordingSummary, 'training'> & { training: number }>(
      this.#db,
      `SELECT r.id, r.attempt_id AS attemptId, a.task_id AS taskId, c.name AS customerName, r.started_at AS startedAt,
              r.duration_ms AS durationMs, r.size_bytes AS sizeBytes, r.sha256, r.status,
              a.training_persona_id IS NOT NULL AS training
       FROM recordings r JOIN attempts a ON a.id = r.attempt_id JOIN tasks t ON t.id = a.task_id
       JOIN customers c ON c.id = t.customer_id
       WHERE a.agent_id = ? ORDER BY r.started_at DESC, r.id DESC LIMIT ?`,
    )
      .all(agentId, limit)
      .map((r) => ({ ...r, training: r.training === 1 }));
  }

  /**
   * A slice of one of the agent's own closed recordings. Every slice is audited with its byte range: auditing
   * only a read from byte 0 let a player (or anyone on the bridge) read the whole file from byte 1 unseen.
   */
  read(a: { recordingId: string; agentId: string; offset: number; length: number }): {
    data: Buffer;
    sizeBytes: number;
    mimeType: string;
  } {
    const row = stmt<[string], { path: string; sizeBytes: number; mimeType: string; agentId: string }>(
      this.#db,
      `SELECT r.path, r.size_bytes AS sizeBytes, r.mime_type AS mimeType, a.agent_id AS agentId
       FROM recordings r JOIN attempts a ON a.id = r.attempt_id WHERE r.id = ?`,
    ).get(a.recordingId);
    if (!row) throw new SeatError('NOT_FOUND', '录音不存在或尚未结束');
    if (row.agentId !== a.agentId) throw new SeatError('FORBIDDEN', '只能回放自己的通话录音');
    const length = Math.max(0, Math.min(a.length, row.sizeBytes - a.offset));
    const data = Buffer.alloc(length);
    if (length > 0) {
      if (!existsSync(row.path)) {
        throw new SeatError('NOT_FOUND', '录音已上传总部，本机副本已按保留期清理；请向主管调取');
      }
      const fd = openSync(row.path, 'r');
      try {
        readSync(fd, data, 0, length, a.offset);
      } finally {
        closeSync(fd);
      }
    }
    // The range read ([offset, offset + bytes)), written before the bytes leave the seat.
    this.#db
      .transaction(() =>
        appendAudit(
          this.#db,
          this.#seatId(),
          {
            agentId: a.agentId,
            action: 'recording.play',
            entityType: 'recording',
            entityId: a.recordingId,
            detail: { offset: a.offset, bytes: length, sizeBytes: row.sizeBytes },
          },
          this.#now(),
        ),
      )
      .immediate();
    return { data, sizeBytes: row.sizeBytes, mimeType: row.mimeType };
  }
}
