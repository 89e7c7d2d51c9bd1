import type { Migration } from './types';

/**
 * Recordings while they are being written. `recordings_open` is working state, not evidence: one row per
 * recording in progress, with how far the file is known durable (`size_bytes` after chunk `next_seq - 1`).
 * Closing a recording (finished, or interrupted after a crash) inserts the immutable `recordings` fact and
 * deletes this row in the same transaction. Marks are facts from the moment they are made.
 */
export const migration0003: Migration = {
  version: 3,
  name: 'recordings in progress and their marks',
  up: `
    CREATE TABLE recordings_open (
      id         TEXT PRIMARY KEY,
      attempt_id TEXT NOT NULL REFERENCES attempts (id),
      agent_id   TEXT NOT NULL,
      path       TEXT NOT NULL,
      mime_type  TEXT NOT NULL,
      started_at TEXT NOT NULL,
      next_seq   INTEGER NOT NULL DEFAULT 0,
      size_bytes INTEGER NOT NULL DEFAULT 0
    ) STRICT;

    CREATE TABLE recording_marks (
      id           TEXT PRIMARY KEY,
      recording_id TEXT NOT NULL,
      offset_ms    INTEGER NOT NULL CHECK (offset_ms >= 0),
      label        TEXT NOT NULL,
      at           TEXT NOT NULL
    ) STRICT;
    CREATE INDEX recording_marks_by_recording ON recording_marks (recording_id, offset_ms);

    CREATE TRIGGER recording_marks_no_update BEFORE UPDATE ON recording_marks
      BEGIN SELECT RAISE(ABORT, 'append-only: recording_marks cannot be updated'); END;
    CREATE TRIGGER recording_marks_no_delete BEFORE DELETE ON recording_marks
      BEGIN SELECT RAISE(ABORT, 'append-only: recording_marks cannot be deleted'); END;
  `,
};
