import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificates {
  dir: string;
  /** The test CA's certificate (PEM): what a seat is told to trust. */
  caPem: string;
  certPath: string;
  keyPath: string;
  certPem: string;
  keyPem: string;
  cleanup(): void;
}

const openssl = (cwd: string, args: string[]) => execFileSync('openssl', args, { cwd, stdio: 'pipe' });

/**
 * A private CA and a head-office certificate it signed, for 127.0.0.1 and localhost, made with Debian's
 * openssl (as an operator makes one for an internal head office): real TLS in the tests, no fake.
 * `name` makes a second, different CA (a head office the seat did not pin).
 */
export function makeCertificates(name = 'Test'): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'hq-tls-'));
  openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key']);
  openssl(dir, [
    'req',
    '-x509',
    '-new',
    '-key',
    'ca.key',
    '-sha256',
    '-days',
    '3650',
    '-subj',
    `/CN=${name} Callback CA`,
    '-out',
    'ca.pem',
  ]);
  openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'hq.key']);
  openssl(dir, ['req', '-new', '-key', 'hq.key', '-subj', '/CN=hq.test', '-out', 'hq.csr']);
  writeFileSync(
    join(dir, 'ext.cnf'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n',
  );
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    'hq.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '3650',
    '-sha256',
    '-extfile',
    'ext.cnf',
    '-out',
    'hq.pem',
  ]);
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  return {
    dir,
    caPem: read('ca.pem'),
    certPath: join(dir, 'hq.pem'),
    keyPath: join(dir, 'hq.key'),
    certPem: read('hq.pem'),
    keyPem: read('hq.key'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
