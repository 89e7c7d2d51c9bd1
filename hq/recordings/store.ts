import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Where head office keeps verified recordings. A directory by default; an S3-compatible store (with object
 * lock) implements the same interface at scale. Keys are the seat's id and the recording's id: one file per
 * recording, written once.
 */
export interface RecordingStore {
  /** Takes a verified file (moved, not copied) and makes it durable. */
  put(seatId: string, recordingId: string, verifiedFile: string): Promise<void>;
  has(seatId: string, recordingId: string): Promise<boolean>;
  /** A local path to read it from (the directory store's own file). */
  localPath(seatId: string, recordingId: string): string;
  /** Takes a recording's playback copy (a separate file: the original is never touched) and makes it durable. */
  putPlayback(seatId: string, recordingId: string, file: string): Promise<void>;
  /** A local path to read the playback copy from. */
  playbackPath(seatId: string, recordingId: string): string;
  /** Removes a recording and its playback copy for good (the end of its retention period); absent files are fine. */
  remove(seatId: string, recordingId: string): Promise<void>;
  /**
   * Keeps a signed audit anchor (hq/audit-chain.ts) under `anchors/`, written once: apart from the database,
   * and under the store's object lock where it has one.
   */
  putAnchor(name: string, body: string): Promise<void>;
  /** Every anchor kept, oldest name first. */
  listAnchors(): Promise<{ name: string; body: string }[]>;
}

export class DirectoryRecordingStore implements RecordingStore {
  constructor(private readonly root: string) {}

  localPath(seatId: string, recordingId: string): string {
    return join(this.root, seatId, `${recordingId}.webm`);
  }

  playbackPath(seatId: string, recordingId: string): string {
    return join(this.root, seatId, `${recordingId}.playback.webm`);
  }

  async put(seatId: string, recordingId: string, verifiedFile: string): Promise<void> {
    durableMove(verifiedFile, this.localPath(seatId, recordingId));
  }

  async putPlayback(seatId: string, recordingId: string, file: string): Promise<void> {
    durableMove(file, this.playbackPath(seatId, recordingId));
  }

  async remove(seatId: string, recordingId: string): Promise<void> {
    const original = this.localPath(seatId, recordingId);
    rmSync(original, { force: true });
    rmSync(this.playbackPath(seatId, recordingId), { force: true });
    if (existsSync(dirname(original))) fsyncPath(dirname(original));
  }

  async has(seatId: string, recordingId: string): Promise<boolean> {
    return existsSync(this.localPath(seatId, recordingId));
  }

  async putAnchor(name: string, body: string): Promise<void> {
    if (!/^[0-9A-Za-z-]+\.json$/.test(name)) throw new Error(`anchor name ${name} is not a plain file name`);
    const dir = join(this.root, 'anchors');
    mkdirSync(dir, { recursive: true });
    const target = join(dir, name);
    // Written once (`wx`) and read-only: a directory has no object lock, this is the nearest it comes.
    writeFileSync(target, body, { flag: 'wx', mode: 0o444 });
    fsyncPath(target);
    fsyncPath(dir);
  }

  async listAnchors(): Promise<{ name: string; body: string }[]> {
    const dir = join(this.root, 'anchors');
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((n) => n.endsWith('.json'))
      .sort()
      .map((name) => ({ name, body: readFileSync(join(dir, name), 'utf8') }));
  }
}

/** Moves `file` to `target` (same file system) and fsyncs both the file and its directory. */
function durableMove(file: string, target: string): void {
  mkdirSync(dirname(target), { recursive: true });
  renameSync(file, target);
  fsyncPath(target);
  fsyncPath(dirname(target));
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
