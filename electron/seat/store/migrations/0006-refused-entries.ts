import type { Migration } from './types';

/**
 * Entries head office could not accept: it keeps each verbatim in its quarantine and acknowledges its number,
 * so the outbox drains; the seat keeps why (status, code and head office's message) beside the entry, which
 * stays in the outbox as it was. Shown under 总部同步. A recording whose entry was refused is not uploaded
 * (head office would refuse the file) and its local copy is kept.
 */
export const migration0006: Migration = {
  version: 6,
  name: 'entries refused by head office',
  up: `
    CREATE TABLE outbox_refused (
      seq        INTEGER PRIMARY KEY,
      status     INTEGER NOT NULL,
      code       TEXT NOT NULL,
      message    TEXT NOT NULL,
      refused_at TEXT NOT NULL
    ) STRICT;
  `,
};
