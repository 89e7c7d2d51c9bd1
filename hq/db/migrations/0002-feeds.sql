-- Every source key a feed import decided on (purposes created or merged, rows imported): the memory that
-- makes a re-import of the same feed create nothing twice.
CREATE TABLE feed_keys (
  source_key TEXT PRIMARY KEY,
  decision   TEXT NOT NULL CHECK (decision IN ('created', 'merged', 'imported')),
  import_id  UUID NOT NULL,
  at         TIMESTAMPTZ NOT NULL
);

-- Each import: who, what, and what came of it (the report the importer saw).
CREATE TABLE feed_imports (
  id         UUID PRIMARY KEY,
  kind       TEXT NOT NULL,
  user_id    UUID REFERENCES users (id),
  at         TIMESTAMPTZ NOT NULL,
  rows       INTEGER NOT NULL,
  report     JSONB NOT NULL
);
