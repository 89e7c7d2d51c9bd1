import { migration0001 } from './0001-reference';
import { migration0002 } from './0002-evidence';
import { migration0003 } from './0003-recording-in-progress';
import { migration0004 } from './0004-scripts';
import { migration0005 } from './0005-sync';
import { migration0006 } from './0006-refused-entries';
import { migration0007 } from './0007-verifiers-secrets';
import { migration0008 } from './0008-audit-chain';
import { migration0009 } from './0009-tls';
import { migration0010 } from './0010-training';
import { migration0011 } from './0011-customer-history';
import { migration0012 } from './0012-contact';
import type { Migration } from './types';

/** In order; each `version` is its position + 1. Append new ones; never edit a released one. */
export const MIGRATIONS: readonly Migration[] = [
  migration0001,
  migration0002,
  migration0003,
  migration0004,
  migration0005,
  migration0006,
  migration0007,
  migration0008,
  migration0009,
  migration0010,
  migration0011,
  migration0012,
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.length;
export type { Migration };
