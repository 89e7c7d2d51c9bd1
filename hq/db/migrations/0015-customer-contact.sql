-- Head office, version 15: a customer's contact wishes (issue #16, point 7). do_not_call: 免打扰 as the seats
-- see it (DoNotCall, JSONB: source hq or agent, reason, by, at), NULL when none; do_not_call_at: when it was
-- last registered or lifted. preferred_times: 偏好时段 (a JSONB array of PreferredWindow, China time), empty
-- when none; preferred_times_at: when they were last set. A seat's change (outbox kind `contact`) is applied
-- unless head office changed the same wish later than the seat did (the stamps decide); an import of the
-- contact feed always applies.
ALTER TABLE customers ADD COLUMN do_not_call JSONB;
ALTER TABLE customers ADD COLUMN do_not_call_at TIMESTAMPTZ;
ALTER TABLE customers ADD COLUMN preferred_times JSONB NOT NULL DEFAULT '[]';
ALTER TABLE customers ADD COLUMN preferred_times_at TIMESTAMPTZ;
