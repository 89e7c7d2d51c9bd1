-- Head office, version 14: the training line (演练线路, issue #15). A call placed on it is answered by a
-- simulated customer (a persona); it is really recorded and its result really committed, but it is never
-- evidence: it closes no task, and coverage, deadlines, findings and re-check sampling leave it out. Head office
-- keeps it for the supervisors' training view (GET /api/training) alone.
--
-- attempts.persona_id/persona_version: the persona who answered; both NULL for a real call.
-- results.training: the persona and the script's completeness as the seat sent them (ResultTraining, JSONB);
-- NULL for a real result. A training result's attempt is a training attempt (hq/sync/push.ts refuses one
-- that is not).
-- findings.training: the finding was raised on a training call. Every query of findings as evidence excludes
-- them with `NOT training`, without a join to results.
ALTER TABLE attempts ADD COLUMN persona_id TEXT;
ALTER TABLE attempts ADD COLUMN persona_version INTEGER;
ALTER TABLE attempts ADD CONSTRAINT attempts_persona_whole
  CHECK ((persona_id IS NULL) = (persona_version IS NULL));
ALTER TABLE results ADD COLUMN training JSONB;
ALTER TABLE findings ADD COLUMN training BOOLEAN NOT NULL DEFAULT false;

-- The training view: practice calls newest first, and the result committed on each.
CREATE INDEX attempts_training ON attempts (started_at DESC, id DESC) WHERE persona_id IS NOT NULL;
CREATE INDEX results_by_attempt ON results (attempt_id) WHERE attempt_id IS NOT NULL;
