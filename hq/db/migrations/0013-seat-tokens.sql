-- Head office, version 13: a seat's token can be revoked and rotated (#14, point 3).
--
-- revoked_at/revoked_by: an administrator revoked the seat's token; from then on head office refuses it (401,
-- hq/http/access.ts checks this column at every lookup, its cache never holds a revoked seat). The seat says so
-- and a supervisor of its branch (or an administrator) enrols it again under the same id: a new token, these
-- cleared, the seat's acknowledged sequence and pull cursor kept, so its outbox goes on where it stopped.
-- token_issued_at: when the current token was issued (enrolment, re-enrolment or rotation); NULL for tokens
-- issued before this version (their enrolled_at).
ALTER TABLE seats ADD COLUMN revoked_at TIMESTAMPTZ;
ALTER TABLE seats ADD COLUMN revoked_by UUID REFERENCES users (id);
ALTER TABLE seats ADD COLUMN token_issued_at TIMESTAMPTZ;
