import type { Migration } from './types';

/**
 * No other users' password hashes on a seat. Head office's pull used to bring the hash of every user of the
 * branch, supervisors included; the column goes (SQLite rewrites the rows, and secure_delete zeroes what they
 * held). Offline login now checks a verifier this seat made itself, at the agent's own successful login at
 * head office from here (auth/login.ts): an agent who never logged in online at this seat cannot log in
 * offline. The credentials this migration cannot seal (it has no key) are sealed by the store at open
 * (SeatStore.open, secrets.ts).
 */
export const migration0007: Migration = {
  version: 7,
  name: 'offline verifiers and sealed secrets',
  up: `
    ALTER TABLE agents DROP COLUMN password_hash;

    CREATE TABLE offline_verifiers (
      agent_id   TEXT PRIMARY KEY REFERENCES agents (id) ON DELETE CASCADE,
      hash       TEXT NOT NULL,
      created_at TEXT NOT NULL
    ) STRICT;
  `,
};
