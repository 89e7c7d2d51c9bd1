/**
 * How the seat trusts head office (issue 14, point 6), against a small HTTPS server with a certificate from a
 * private CA made with openssl: plain HTTP only to loopback, at every use of a stored address; the CA given is
 * what verifies the server, for fetch and for tus's own node:https stack alike; a pin that does not match stops
 * the connection at the handshake, before any request, with the Chinese sentence the sync status shows.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HqClient, HqUntrusted } from '../../../electron/seat/sync/hq-client';
import { SeatSync } from '../../../electron/seat/sync/service';
import {
  caProblem,
  HqTransport,
  INSECURE_URL_MESSAGE,
  isLoopback,
  PIN_MISMATCH_MESSAGE,
  urlProblem,
} from '../../../electron/seat/sync/tls';
import { tempDir } from '../../support/fixtures';
import { storeWithBranch } from '../../support/seat';
import { makeCertificates, type TestCertificates } from '../../support/tls';

/** Why `promise` was rejected; fails the test when it was not. */
const thrown = (promise: Promise<unknown>): Promise<Error> =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: Error) => error,
  );

/** What a pin of this certificate's key is: SHA-256 of its SPKI (DER), base64. */
const pinOf = (certPem: string) =>
  createHash('sha256')
    .update(new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' }))
    .digest('base64');

describe('the seat’s trust in head office', () => {
  let certs: TestCertificates;
  let server: Server;
  let url: string;
  /** Requests that reached the server (after a completed handshake). */
  const seen: string[] = [];

  beforeAll(async () => {
    certs = makeCertificates();
    server = createServer({ cert: certs.certPem, key: certs.keyPem }, (req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 'NOT_FOUND', message: '未找到' }));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((done) => server?.close(done));
    certs?.cleanup();
  });

  it('takes plain HTTP only to this computer', () => {
    for (const host of ['127.0.0.1', '127.8.9.10', 'localhost', 'LOCALHOST', '[::1]'])
      expect(urlProblem(`http://${host}:8610`), host).toBeNull();
    for (const host of ['10.0.0.1', '192.168.1.5', 'hq.example.cn', '[::ffff:10.0.0.1]', '128.0.0.1'])
      expect(urlProblem(`http://${host}:8610`), host).toBe(INSECURE_URL_MESSAGE);
    expect(urlProblem('https://10.0.0.1:8610')).toBeNull();
    expect(urlProblem('ftp://127.0.0.1')).toBe(INSECURE_URL_MESSAGE);
    expect(isLoopback('127.0.0.1.example.com')).toBe(false);
  });

  it('accepts a CA only as a PEM certificate of bounded length', () => {
    expect(caProblem(certs.caPem)).toBeNull();
    expect(caProblem('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----')).toMatch(
      /总部 CA 证书无法识别/,
    );
    expect(caProblem(`${certs.caPem}${' '.repeat(20_000)}`)).toMatch(/总部 CA 证书过长/);
  });

  it('refuses a stored http:// address of another computer at every use, without connecting', async () => {
    const client = new HqClient({ hqUrl: 'http://10.0.0.1:8610' }, { seatToken: 'x'.repeat(43) });
    const dir = tempDir();
    try {
      const file = dir.file('r.webm');
      writeFileSync(file, 'abc');
      for (const use of [
        () => client.health(),
        () => client.download('/api/recordings/x/original', dir.file('out')),
        () => client.stream('/hq/playback/x', null),
        () =>
          client.upload({ id: 'r', path: file, sizeBytes: 3 }, { uploadUrl: () => null, saveUploadUrl() {} }),
      ]) {
        const error = await thrown(use());
        expect(error).toBeInstanceOf(HqUntrusted);
        expect(error.message).toBe(INSECURE_URL_MESSAGE);
      }
    } finally {
      dir.cleanup();
    }
    // A seat enrolled so by an older build: its sync round says why, and sends nothing.
    const seat = await storeWithBranch();
    try {
      seat.store.setSyncConfig({ hqUrl: 'http://10.0.0.1:8610', token: 'x'.repeat(43) });
      const error = await thrown(new SeatSync(seat.store).round());
      expect(error.message).toBe(INSECURE_URL_MESSAGE);
    } finally {
      seat.close();
    }
  });

  it('verifies head office with the CA given, for fetch and for tus uploads', async () => {
    const target = { hqUrl: url, caCertPem: certs.caPem, pin: pinOf(certs.certPem) };
    const client = new HqClient(target, { seatToken: 'x'.repeat(43) });
    expect((await client.stream('/hq/playback/x', null)).status).toBe(404);
    // tus's node:https stack: the handshake succeeds (the CA and pin reached it), the server refuses the POST.
    const dir = tempDir();
    try {
      writeFileSync(dir.file('r.webm'), 'abc');
      const refused = await thrown(
        client.upload(
          { id: 'r', path: dir.file('r.webm'), sizeBytes: 3 },
          { uploadUrl: () => null, saveUploadUrl() {} },
        ),
      );
      expect(refused.name).toBe('HqRefused');
    } finally {
      dir.cleanup();
    }
    expect(seen).toEqual(['GET /hq/playback/x', 'POST /api/uploads']);
  });

  it('is refused, with a clear sentence, by a seat not given the private CA', async () => {
    const error = await thrown(new HqClient(url).health());
    expect(error).toBeInstanceOf(HqUntrusted);
    expect(error.message).toMatch(
      /^总部证书无法验证（[A-Z_]+）：总部使用内部 CA 签发的证书时，请在登记时填写该 CA 证书$/,
    );
  });

  it('stops at the handshake when head office presents another key than the one pinned', async () => {
    seen.length = 0;
    const target = { hqUrl: url, caCertPem: certs.caPem, pin: pinOf(makeCertificates('Other').certPem) };
    const client = new HqClient(target, { seatToken: 'x'.repeat(43) });
    for (const use of [() => client.health(), () => client.stream('/hq/playback/x', null)]) {
      const error = await thrown(use());
      expect(error).toBeInstanceOf(HqUntrusted);
      expect(error.message).toBe(PIN_MISMATCH_MESSAGE);
    }
    const dir = tempDir();
    try {
      writeFileSync(dir.file('r.webm'), 'abc');
      const error = await thrown(
        client.upload(
          { id: 'r', path: dir.file('r.webm'), sizeBytes: 3 },
          { uploadUrl: () => null, saveUploadUrl() {} },
        ),
      );
      expect(error.message).toBe(PIN_MISMATCH_MESSAGE);
    } finally {
      dir.cleanup();
    }
    // Not one request reached the server: the token never left the seat.
    expect(seen).toEqual([]);
  });

  it('hears the key of a verified connection (what enrolment pins)', async () => {
    const pins: string[] = [];
    const transport = new HqTransport({ hqUrl: url, caCertPem: certs.caPem }, (pin) => pins.push(pin));
    try {
      expect((await new HqClient(transport).stream('/x', null)).status).toBe(404);
    } finally {
      await transport.close();
    }
    expect(pins).toEqual([pinOf(certs.certPem)]);
  });
});
