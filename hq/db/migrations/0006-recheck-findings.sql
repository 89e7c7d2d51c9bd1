-- Company-level re-check (公司级回访检查): head office samples a share of each branch's callbacks per period
-- (a month or a quarter), and reviewers score them on an evaluation form.
CREATE TABLE recheck_plans (
  branch_id  TEXT PRIMARY KEY REFERENCES branches (id),
  share      DOUBLE PRECISION NOT NULL CHECK (share > 0 AND share <= 1),
  period     TEXT NOT NULL CHECK (period IN ('month', 'quarter')),
  updated_by UUID REFERENCES users (id),
  updated_at TIMESTAMPTZ NOT NULL
);

-- Evaluation forms, every version kept (an evaluation names the version it was scored on).
CREATE TABLE recheck_forms (
  id           TEXT NOT NULL,
  version      INTEGER NOT NULL CHECK (version > 0),
  body         JSONB NOT NULL,
  published_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (id, version)
);
CREATE TRIGGER recheck_forms_append_only BEFORE UPDATE OR DELETE ON recheck_forms
  FOR EACH ROW EXECUTE FUNCTION hq_append_only();

INSERT INTO recheck_forms (id, version, body, published_at) VALUES ('standard', 1, '{
  "id": "standard", "version": 1, "title": "回访复核评分表", "passScore": 80,
  "criteria": [
    {"id": "identity", "label": "先核实客户本人身份，未核实前未谈及账户信息", "weight": 20, "critical": true},
    {"id": "disclosure", "label": "风险揭示完整、准确地读给客户", "weight": 20, "critical": true},
    {"id": "script", "label": "按话术逐项询问，无遗漏、无诱导", "weight": 20, "critical": false},
    {"id": "record", "label": "回访结果、问题与录音内容一致", "weight": 20, "critical": false},
    {"id": "manner", "label": "用语礼貌、表达清楚，未引起客户反感", "weight": 10, "critical": false},
    {"id": "recording", "label": "录音完整清晰，从接通到结束", "weight": 10, "critical": false}
  ]
}', now());

CREATE TABLE rechecks (
  id          UUID PRIMARY KEY,
  result_id   UUID NOT NULL UNIQUE REFERENCES results (id),
  branch_id   TEXT NOT NULL,
  period_key  TEXT NOT NULL,
  assigned_to UUID REFERENCES users (id),
  sampled_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX rechecks_by_period ON rechecks (branch_id, period_key);
CREATE INDEX rechecks_by_assignee ON rechecks (assigned_to, sampled_at);

-- A reviewer's verdict: one per re-check, never changed. `comments` are remarks at moments of the recording.
CREATE TABLE recheck_evaluations (
  recheck_id        UUID PRIMARY KEY REFERENCES rechecks (id),
  reviewer_id       UUID NOT NULL REFERENCES users (id),
  form_id           TEXT NOT NULL,
  form_version      INTEGER NOT NULL,
  items             JSONB NOT NULL,
  comments          JSONB NOT NULL,
  summary           TEXT NOT NULL,
  score             INTEGER NOT NULL,
  passed            BOOLEAN NOT NULL,
  follow_up_task_id UUID,
  evaluated_at      TIMESTAMPTZ NOT NULL,
  FOREIGN KEY (form_id, form_version) REFERENCES recheck_forms (id, version)
);
CREATE TRIGGER recheck_evaluations_append_only BEFORE UPDATE OR DELETE ON recheck_evaluations
  FOR EACH ROW EXECUTE FUNCTION hq_append_only();

-- What compliance did with a finding (the finding itself is evidence from the seat and never changes):
-- assigned to someone, or resolved with a note. Its state is its latest action.
CREATE TABLE finding_actions (
  id          UUID PRIMARY KEY,
  finding_id  UUID NOT NULL REFERENCES findings (id),
  action      TEXT NOT NULL CHECK (action IN ('assign', 'resolve')),
  assignee_id UUID REFERENCES users (id),
  note        TEXT NOT NULL,
  by_user     UUID NOT NULL REFERENCES users (id),
  at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX finding_actions_by_finding ON finding_actions (finding_id, at DESC);
CREATE TRIGGER finding_actions_append_only BEFORE UPDATE OR DELETE ON finding_actions
  FOR EACH ROW EXECUTE FUNCTION hq_append_only();
CREATE INDEX findings_by_branch ON findings (branch_id);
