import type { Migration } from './types';

/**
 * How the seat trusts head office over TLS (issue 14, point 6), beside its address and token: the private CA
 * given at enrolment (PEM; null: the system's CAs) and the pin recorded then (SHA-256 of the certificate's
 * public key, base64; null for plain HTTP to loopback, or a seat enrolled before this step). Not secret, so
 * not sealed.
 */
export const migration0009: Migration = {
  version: 9,
  name: 'head-office TLS trust',
  up: `
    ALTER TABLE sync_state ADD COLUMN hq_ca_pem TEXT;
    ALTER TABLE sync_state ADD COLUMN hq_pin TEXT;
  `,
};
