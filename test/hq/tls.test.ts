/**
 * Head office serves HTTPS when given a certificate and key (HQ_TLS_CERT, HQ_TLS_KEY): a real TLS handshake
 * against a private CA made with openssl; a client that does not trust the CA is refused, and plain HTTP to
 * the port gets no answer from the API.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHqProcess } from '../support/hq-process';
import { makeCertificates, type TestCertificates } from '../support/tls';

describe('head office over TLS', () => {
  let certs: TestCertificates;
  let dir: string;
  let hq: ReturnType<typeof startHqProcess>;
  let url: string;
  beforeAll(async () => {
    certs = makeCertificates();
    dir = mkdtempSync(join(tmpdir(), 'hq-tls-data-'));
    hq = startHqProcess({ HQ_DATA_DIR: dir, HQ_TLS_CERT: certs.certPath, HQ_TLS_KEY: certs.keyPath });
    url = await hq.url;
  }, 120_000);
  afterAll(async () => {
    await hq?.stop();
    rmSync(dir, { recursive: true, force: true });
    certs?.cleanup();
  });

  it('answers over HTTPS to a client that trusts its CA', async () => {
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const agent = new Agent({ connect: { ca: certs.caPem } });
    const res = await fetch(`${url}/api/health`, { dispatcher: agent });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { ok: boolean }).ok).toBe(true);
    await agent.close();
  });

  it('is refused by a client that does not trust the CA, and plain HTTP gets no API answer', async () => {
    await expect(fetch(`${url}/api/health`)).rejects.toThrow();
    const plain = url.replace('https://', 'http://');
    const answer = await fetch(`${plain}/api/health`).then(
      (r) => r.status,
      () => 'no answer',
    );
    expect(answer === 'no answer' || answer === 400).toBe(true);
  });

  it('will not start with only one of the two files', async () => {
    const other = mkdtempSync(join(tmpdir(), 'hq-tls-half-'));
    const half = startHqProcess({ HQ_DATA_DIR: other, HQ_TLS_CERT: certs.certPath });
    try {
      await expect(half.url).rejects.toThrow(/HQ_TLS_CERT 与 HQ_TLS_KEY 须同时设置/);
    } finally {
      await half.stop();
      rmSync(other, { recursive: true, force: true });
    }
  }, 60_000);
});
