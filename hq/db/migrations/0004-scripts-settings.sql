-- What head office sends its seats besides tasks: callback scripts (every version ever published, as at the
-- seat) and the settings it manages per branch (the calling window, retries, local recording retention).
CREATE TABLE scripts (
  id            TEXT NOT NULL,
  version       INTEGER NOT NULL CHECK (version > 0),
  callback_type TEXT NOT NULL,
  body          JSONB NOT NULL,
  published_by  UUID REFERENCES users (id),
  published_at  TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (id, version)
);
CREATE TRIGGER scripts_append_only BEFORE UPDATE OR DELETE ON scripts
  FOR EACH ROW EXECUTE FUNCTION hq_append_only();

CREATE TABLE branch_settings (
  branch_id  TEXT NOT NULL REFERENCES branches (id),
  key        TEXT NOT NULL,
  value      JSONB NOT NULL,
  updated_by UUID REFERENCES users (id),
  updated_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (branch_id, key)
);

ALTER TABLE changes DROP CONSTRAINT changes_kind_check;
ALTER TABLE changes ADD CONSTRAINT changes_kind_check
  CHECK (kind IN ('task', 'revoke', 'customer', 'salesperson', 'agent', 'script', 'setting'));
