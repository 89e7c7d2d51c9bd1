-- The supervisors' watch (hq/watch.ts): open tasks per branch by deadline, and each seat's recordings that
-- head office knows of but has not received, without reading all tasks or all recordings.
CREATE INDEX tasks_open_by_branch ON tasks (branch_id, deadline_at) WHERE status = 'open';
CREATE INDEX recordings_waiting ON recordings (seat_id) WHERE stored_at IS NULL;
