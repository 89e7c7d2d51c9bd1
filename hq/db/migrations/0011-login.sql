-- Head office, version 11: a login nobody can guess at (#14).
--
-- login_throttle: consecutive wrong passwords per user code (`code:HQ01`) and per client address
-- (`ip:10.1.2.3`), kept in the database so that every head-office process sees the same counts. A key past its
-- allowance waits (blocked_until, doubling); a user code past the lockout threshold is locked until an
-- administrator lifts it (locked_at). A right password clears its code's row; an address's count lapses with
-- its window.
CREATE TABLE login_throttle (
  key              TEXT PRIMARY KEY,
  failures         INTEGER NOT NULL,
  first_failure_at TIMESTAMPTZ NOT NULL,
  last_failure_at  TIMESTAMPTZ NOT NULL,
  blocked_until    TIMESTAMPTZ,
  locked_at        TIMESTAMPTZ
);

-- A password head office generated (the first administrator's, printed once) must be changed before the
-- first session.
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT false;

-- Sessions end after 30 idle minutes (last_used_at) as well as 12 hours after the login, and at logout.
ALTER TABLE sessions ADD COLUMN last_used_at TIMESTAMPTZ;
UPDATE sessions SET last_used_at = created_at;
