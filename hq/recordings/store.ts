import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync } from 'node:fs';
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
}

export class DirectoryRecordingStore implements RecordingStore {
  constructor(private readonly root: string) {}

  localPath(seatId: string, recordingId: string): string {
    return join(this.root, seatId, `${recordingId}.webm`);
  }

  async put(seatId: string, recordingId: string, verifiedFile: string): Promise<void> {
    const target = this.localPath(seatId, recordingId);
    mkdirSync(dirname(target), { recursive: true });
    renameSync(verifiedFile, target);
    for (const path of [target, dirname(target)]) {
      const fd = openSync(path, 'r');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
  }

  async has(seatId: string, recordingId: string): Promise<boolean> {
    return existsSync(this.localPath(seatId, recordingId));
  }
}
