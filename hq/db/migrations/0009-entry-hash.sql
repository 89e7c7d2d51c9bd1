-- Head office, version 9: each applied entry's content hash, so that an entry sent again under a sequence
-- number already applied is compared with what was applied there (the same is a repeat; another is a
-- conflict, e.g. a seat restored from a backup), never skipped unread. NULL for entries applied before.
ALTER TABLE seat_entries ADD COLUMN content_sha256 TEXT;
