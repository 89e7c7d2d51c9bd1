import type { Migration } from './types';

/**
 * Sync with head office: where it is and the seat's token (given at enrolment), how far the seat has pulled
 * (`pull_cursor`, written in the transaction that applies the pulled page), and each recording's upload: its
 * tus URL while it is under way (so a restart resumes it), and when head office confirmed it holds the
 * verified file — only after that may the seat ever delete its copy.
 */
export const migration0005: Migration = {
  version: 5,
  name: 'sync with head office',
  up: `
    ALTER TABLE sync_state ADD COLUMN pull_cursor INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE sync_state ADD COLUMN hq_url TEXT;
    ALTER TABLE sync_state ADD COLUMN hq_token TEXT;

    CREATE TABLE recording_uploads (
      recording_id TEXT PRIMARY KEY REFERENCES recordings (id),
      upload_url       TEXT,
      stored_at        TEXT,
      -- When the local copy was removed (after stored_at and the retention period).
      local_deleted_at TEXT
    ) STRICT;
  `,
};
