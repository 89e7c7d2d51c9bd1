-- Supervisors search results by branch, agent, customer, type, outcome and date over millions of rows:
-- each result carries its task's branch and customer (written when the seat's push is applied), and the
-- searches walk these indexes newest first.
ALTER TABLE results ADD COLUMN branch_id TEXT;
ALTER TABLE results ADD COLUMN customer_id TEXT;
CREATE INDEX results_by_branch ON results (branch_id, created_at DESC, id DESC);
CREATE INDEX results_by_agent ON results (agent_id, created_at DESC, id DESC);
CREATE INDEX results_by_customer ON results (customer_id, created_at DESC);
CREATE INDEX results_by_time ON results (created_at DESC, id DESC);
CREATE INDEX customers_by_id_number ON customers (id_number);
CREATE INDEX customers_by_phone ON customers (phone);
CREATE INDEX findings_by_result_id ON findings (result_id);
CREATE INDEX recordings_by_attempt ON recordings (attempt_id);
