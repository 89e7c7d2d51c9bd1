import type { Migration } from './types';

/**
 * The training line (issue 15, point 3): an attempt placed on it names the persona who answered and the steps
 * at which that persona gives cause for a finding (null on a real call); a result of a training call keeps the
 * script's completeness for the training view (null on a real result). Training is never evidence: such a
 * result leaves its task open, and head office keeps it out of every report.
 */
export const migration0010: Migration = {
  version: 10,
  name: 'training line',
  up: `
    ALTER TABLE attempts ADD COLUMN training_persona_id TEXT;
    ALTER TABLE attempts ADD COLUMN training_persona_version INTEGER;
    ALTER TABLE attempts ADD COLUMN training_findings TEXT;
    ALTER TABLE results ADD COLUMN training TEXT;
  `,
};
