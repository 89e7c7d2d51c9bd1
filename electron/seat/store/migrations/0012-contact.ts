import type { Migration } from './types';

/**
 * A customer's contact wishes (issue 16, point 7): 免打扰 (a DoNotCall as JSON, null when none) and 偏好时段
 * (a JSON array of PreferredWindow, empty when none), from head office's pull or set by an agent here with a
 * reason. `call.start` refuses a dial that goes against them.
 */
export const migration0012: Migration = {
  version: 12,
  name: 'customer contact wishes',
  up: `
    ALTER TABLE customers ADD COLUMN do_not_call TEXT;
    ALTER TABLE customers ADD COLUMN preferred_times TEXT NOT NULL DEFAULT '[]';
  `,
};
