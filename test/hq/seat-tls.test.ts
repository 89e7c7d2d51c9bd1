/**
 * A seat and a head-office process serving HTTPS with a certificate from a private CA (issue 14, point 6): the
 * seat enrols trusting that CA and pins head office's key, pulls its tasks, sends a callback home with its
 * recording by tus, and a supervisor streams and downloads it — all over TLS. A seat not given the CA is
 * refused with a sentence that says what to do; plain http:// to another computer is refused at enrolment.
 * Head office restarted on the same address with another key (issued by the same CA: a verified but not the
 * pinned certificate, as an impostor with a mis-issued certificate would present) stops the seat's sync, and
 * its sync status says why; the genuine head office back, the seat catches up.
 */

import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { inProcessBridge } from '../../electron/seat/in-process';
import { Seat } from '../../electron/seat/seat';
import { INSECURE_URL_MESSAGE, PIN_MISMATCH_MESSAGE } from '../../electron/seat/sync/tls';
import { BRANCH, PASSWORD, tempDir } from '../support/fixtures';
import { invoke, startReviewScene } from '../support/review-scene';
import { makeCertificates, type TestCertificates } from '../support/tls';

/** SHA-256 of a certificate's public key (SPKI, DER), base64: what the seat pins. */
const pinOf = (certPem: string) =>
  createHash('sha256')
    .update(new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' }))
    .digest('base64');

/** Another key with a certificate for the same names from the same CA (its key is in `certs.dir`). */
function sameCaOtherKey(certs: TestCertificates): { certPath: string; keyPath: string; certPem: string } {
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: certs.dir, stdio: 'pipe' });
  run(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'other.key']);
  run(['req', '-new', '-key', 'other.key', '-subj', '/CN=hq.test', '-out', 'other.csr']);
  writeFileSync(
    join(certs.dir, 'other.cnf'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n',
  );
  run([
    'x509',
    '-req',
    '-in',
    'other.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '3650',
    '-sha256',
    '-extfile',
    'other.cnf',
    '-out',
    'other.pem',
  ]);
  const certPath = join(certs.dir, 'other.pem');
  return { certPath, keyPath: join(certs.dir, 'other.key'), certPem: readFileSync(certPath, 'utf8') };
}

describe('a seat and head office over TLS, the key pinned at enrolment', () => {
  let certs: TestCertificates;
  let scene: Awaited<ReturnType<typeof startReviewScene>>;

  beforeAll(async () => {
    certs = makeCertificates();
    // Enrolment with the CA, a pull, a callback with its recording pushed and uploaded: all over HTTPS.
    scene = await startReviewScene({
      seconds: 5,
      spacingMs: 100,
      tls: { certPath: certs.certPath, keyPath: certs.keyPath, caPem: certs.caPem },
    });
  }, 120_000);

  afterAll(async () => {
    await scene?.close();
    certs?.cleanup();
  });

  it('enrols over HTTPS with the private CA, pins head office’s key, and sends everything home', async () => {
    expect(scene.hqUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const status = scene.seat.sync.status();
    expect(status).toMatchObject({ pending: 0, uploads: 0, lastError: null });
    expect(status.hqPin).toBe(pinOf(certs.certPem));
    expect(scene.seat.store.syncConfig()).toMatchObject({
      caCertPem: certs.caPem.trim(),
      pin: pinOf(certs.certPem),
    });
    const stored = await scene.withHqStopped((db) =>
      db
        .selectFrom('recordings')
        .select(['id', 'sha256'])
        .where('id', '=', scene.done.recordingId)
        .where('stored_at', 'is not', null)
        .execute(),
    );
    expect(stored).toEqual([{ id: scene.done.recordingId, sha256: scene.done.sha256 }]);
  }, 60_000);

  it('lets a supervisor stream and download a recording from head office over TLS', async () => {
    const supervisor = inProcessBridge(scene.seat);
    expect(
      await invoke(supervisor, 'session.login', { agentCode: 'SH01', password: PASSWORD }),
    ).toMatchObject({ role: 'supervisor', online: true });
    const playback = await invoke(supervisor, 'review.playback', { recordingId: scene.done.recordingId });
    const whole = await fetch(`${scene.host.origin}${playback.url}`);
    expect(whole.status).toBe(200);
    const bytes = Buffer.from(await whole.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(playback.sha256);
    const download = await invoke(supervisor, 'review.download', { recordingId: scene.done.recordingId });
    expect(download).toMatchObject({ sha256: scene.done.sha256, verified: true });
  }, 60_000);

  it('refuses a seat not given the CA, and plain http:// to another computer, at enrolment', async () => {
    const tmp = tempDir();
    const fresh = Seat.open({ dbPath: tmp.file('seat.db'), appVersion: 'tls-test', onDefect: () => {} });
    try {
      fresh.store.ensureSeat(BRANCH);
      const api = inProcessBridge(fresh);
      const enrol = (args: Record<string, string>) =>
        api.invoke('sync.enrol', {
          code: 'SH01',
          password: PASSWORD,
          name: '上海 2 号坐席',
          ...args,
        } as never);
      const untrusted = await enrol({ hqUrl: scene.hqUrl });
      expect(untrusted.ok === false && untrusted.error.message).toMatch(
        /^总部证书无法验证（[A-Z_]+）：总部使用内部 CA 签发的证书时，请在登记时填写该 CA 证书$/,
      );
      const plain = await enrol({ hqUrl: 'http://10.0.0.1:8610' });
      expect(plain.ok === false && plain.error).toEqual({
        code: 'BAD_REQUEST',
        message: INSECURE_URL_MESSAGE,
      });
      const wrongCa = await enrol({ hqUrl: scene.hqUrl, caCertPem: makeCertificates('Other').caPem });
      expect(wrongCa.ok === false && wrongCa.error.message).toMatch(/^总部证书无法验证/);
      const garbage = await enrol({ hqUrl: scene.hqUrl, caCertPem: 'not a certificate' });
      expect(garbage.ok === false && garbage.error.message).toMatch(/^总部 CA 证书无法识别/);
      expect(fresh.store.syncConfig()).toBeNull();
    } finally {
      await fresh.shutdown();
      tmp.cleanup();
    }
  }, 60_000);

  it('stops syncing when head office presents another key than the pinned one, says why, and resumes with the genuine one', async () => {
    const other = sameCaOtherKey(certs);
    expect(pinOf(other.certPem)).not.toBe(pinOf(certs.certPem));
    await scene.stopHq();
    await scene.startHq({ HQ_TLS_CERT: other.certPath, HQ_TLS_KEY: other.keyPath });
    // Something to send: an agent's login is audited, and the audit goes home.
    const agent = inProcessBridge(scene.seat);
    await invoke(agent, 'session.login', { agentCode: 'A001', password: PASSWORD });
    const error = await scene.seat.sync.round().then(
      () => null,
      (e: Error) => e,
    );
    expect(error?.message).toBe(PIN_MISMATCH_MESSAGE);
    expect(scene.seat.store.outboxStatus().pending).toBeGreaterThan(0);
    // The sync loop says so in its status (what 总部同步 shows), and keeps the outbox.
    scene.seat.startSync();
    try {
      await vi.waitFor(() => expect(scene.seat.sync.status().lastError).toBe(PIN_MISMATCH_MESSAGE), {
        timeout: 20_000,
      });
      expect(scene.seat.sync.status()).toMatchObject({
        state: 'offline',
        hqPin: pinOf(certs.certPem),
        pinMismatch: true,
      });
      // The way out is open to a supervisor at the seat (logged in offline: head office is not trusted): enrol
      // again. Here head office still holds the seat's live token and says so; nothing stored changes.
      const supervisor = inProcessBridge(scene.seat);
      expect(
        await invoke(supervisor, 'session.login', { agentCode: 'SH01', password: PASSWORD }),
      ).toMatchObject({ online: false });
      const again = await supervisor.invoke('sync.enrol', {
        hqUrl: scene.hqUrl,
        code: 'SH01',
        password: PASSWORD,
        name: '上海 1 号坐席',
      });
      expect(again.ok === false && again.error.message).toMatch(/^总部拒绝登记：/);
      expect(scene.seat.store.syncConfig()?.pin).toBe(pinOf(certs.certPem));
      // The playback stream goes through the same check: head office is not asked.
      expect((await scene.seat.review.stream('A'.repeat(43), null)).status).toBe(502);

      await scene.stopHq();
      await scene.startHq();
      scene.seat.sync.nudge();
      await vi.waitFor(
        () =>
          expect(scene.seat.sync.status()).toMatchObject({ state: 'online', pending: 0, lastError: null }),
        { timeout: 20_000 },
      );
    } finally {
      await scene.seat.sync.stop();
    }
  }, 120_000);
});
