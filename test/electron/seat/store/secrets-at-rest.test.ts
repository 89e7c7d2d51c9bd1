/**
 * #14 finding 3 at the seat: the data folder and its files are the user's alone, the credentials are sealed
 * (the raw database files do not hold them), a database copied away from its key opens with its credentials
 * unreadable (said so, never shown as garbage), and no password hash from head office is kept, in a new
 * database, a migrated one, or a pull from an older head office.
 */
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  desktopSecretBox,
  type SafeStorageLike,
  SafeStorageSecretBox,
} from '../../../../electron/binding/safe-storage';
import { hashPassword, verifyPassword } from '../../../../electron/seat/auth/password';
import { Seat } from '../../../../electron/seat/seat';
import { openDatabase } from '../../../../electron/seat/store/database';
import { SeatStore } from '../../../../electron/seat/store/seat-store';
import { FileKeySecretBox, SecretKeyring, SecretUnreadable } from '../../../../electron/seat/store/secrets';
import { SeatSync } from '../../../../electron/seat/sync/service';
import { PullResponse } from '../../../../shared/contract/sync';
import { BRANCH, smallBranch, tempDir } from '../../../support/fixtures';
import { answeredCall } from '../../../support/script';
import { thrown } from '../../../support/thrown';

const TOKEN = 'seat-token-Qm9uam91ci1zZWNyZXQtdG9rZW4tMTIzNDU2Nzg5MA';
const SIP_PASSWORD = 'Sip-Pa55word-9d8c7b';
const TURN_CREDENTIAL = 'turn-credential-5a4b3c';
const HQ_HASH =
  'scrypt$1024$8$1$SFFoYXNoU2FsdDEyMzQ1Ng==$SFEtaGFzaC1vZi1hLXN1cGVydmlzb3ItcGFzc3dvcmQtMTIzNA==';

const AGENT = '0190a000-0000-7000-8000-000000000001';
const mode = (path: string) => statSync(path).mode & 0o777;

/** The database as it lies on disk, its WAL included: what a copied file or a backup gives away. */
const rawFiles = (path: string) =>
  Buffer.concat([path, `${path}-wal`, `${path}-shm`].filter(existsSync).map((p) => readFileSync(p)));

/** A database as version 6 left it: head office's hash of an agent, the token and the SIP password in clear. */
function version6(path: string, agentId: string) {
  const db = openDatabase(path, { targetVersion: 6 });
  db.prepare(
    "INSERT INTO seat (singleton, id, branch_id, branch_name, created_at) VALUES (1, 'seat-1', ?, ?, 'x')",
  ).run(BRANCH.branchId, BRANCH.branchName);
  db.prepare(
    `INSERT INTO agents (id, code, name, branch_id, role, password_hash, staff_id)
     VALUES (?, 'SH01', '上海主管', ?, 'supervisor', ?, NULL)`,
  ).run(agentId, BRANCH.branchId, HQ_HASH);
  db.prepare("UPDATE sync_state SET hq_url = 'http://127.0.0.1:9', hq_token = ?").run(TOKEN);
  const setting = db.prepare(
    "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, '2026-11-01T00:00:00Z')",
  );
  setting.run('sip.password', JSON.stringify(SIP_PASSWORD));
  setting.run('sip.iceServers', JSON.stringify([{ urls: 'turn:turn.example', credential: TURN_CREDENTIAL }]));
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

describe('secrets at rest on the seat', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  it('seals with AES-256-GCM under a 0600 key file made at the first seal; another key or altered bytes fail clearly', () => {
    const keyPath = tmp.file('seat.key');
    const box = FileKeySecretBox.at(keyPath);
    expect(existsSync(keyPath)).toBe(false); // opening makes no key
    const sealed = box.seal(TOKEN);
    expect(sealed).toMatch(/^fk1:/);
    expect(sealed).not.toContain(TOKEN);
    expect(box.seal(TOKEN)).not.toBe(sealed); // a fresh IV each time
    expect(mode(keyPath)).toBe(0o600);
    expect(readFileSync(keyPath)).toHaveLength(32);
    expect(FileKeySecretBox.at(keyPath).open(sealed)).toBe(TOKEN);

    const other = FileKeySecretBox.at(tmp.file('other.key'));
    other.seal('x');
    const wrong = thrown(SecretUnreadable, () => other.open(sealed));
    expect(wrong.message).toContain('本地保存的凭据无法解密（密钥不匹配或内容被改动）');
    const raw = Buffer.from(sealed.slice(4), 'base64');
    raw[raw.length - 1] = (raw[raw.length - 1] ?? 0) ^ 1;
    expect(() => box.open(`fk1:${raw.toString('base64')}`)).toThrow(SecretUnreadable);
    expect(
      thrown(SecretUnreadable, () => FileKeySecretBox.at(tmp.file('none.key')).open(sealed)).message,
    ).toContain('缺少密钥文件');
  });

  it('a new seat keeps its token and SIP credentials sealed: the raw files do not hold them, the store reads them back', () => {
    const path = tmp.file('seat.db');
    const store = SeatStore.open(path);
    store.ensureSeat(BRANCH);
    store.setSyncConfig({ hqUrl: 'http://127.0.0.1:9', token: TOKEN });
    store.setSetting(AGENT, 'sip.password', SIP_PASSWORD);
    store.setSetting(AGENT, 'sip.iceServers', [{ urls: 'turn:turn.example', credential: TURN_CREDENTIAL }]);
    expect(store.syncConfig()).toEqual({ hqUrl: 'http://127.0.0.1:9', token: TOKEN });
    expect(store.settings()['sip.password']).toBe(SIP_PASSWORD);
    expect(store.settings()['sip.iceServers']).toEqual([
      { urls: 'turn:turn.example', credential: TURN_CREDENTIAL },
    ]);
    const raw = rawFiles(path);
    for (const secret of [TOKEN, SIP_PASSWORD, TURN_CREDENTIAL]) expect(raw.includes(secret)).toBe(false);
    store.close();
    expect(mode(join(tmp.dir, 'seat.key'))).toBe(0o600);
  });

  it('migrating an older seat: the clear token, SIP password and head office’s hash leave the file; the credentials still work', () => {
    const path = tmp.file('seat.db');
    version6(path, 'agent-sh01');
    const before = readFileSync(path);
    for (const secret of [TOKEN, SIP_PASSWORD, TURN_CREDENTIAL, HQ_HASH])
      expect(before.includes(secret)).toBe(true);

    const store = SeatStore.open(path);
    const raw = rawFiles(path);
    for (const secret of [TOKEN, SIP_PASSWORD, TURN_CREDENTIAL, HQ_HASH])
      expect(raw.includes(secret)).toBe(false);
    const columns = (store.db.prepare('PRAGMA table_info(agents)').all() as { name: string }[]).map(
      (c) => c.name,
    );
    expect(columns).not.toContain('password_hash');
    // Nobody's hash became a verifier: the supervisor must log in online here once.
    expect(store.offlineVerifier('agent-sh01')).toBeNull();
    expect(store.syncConfig()?.token).toBe(TOKEN);
    expect(store.settings()['sip.password']).toBe(SIP_PASSWORD);
    expect(store.unreadableSecrets()).toEqual([]);
    store.close();
  });

  it('a database copied away from its key: its credentials read as unset, and the seat says why', () => {
    const path = tmp.file('seat.db');
    const store = SeatStore.open(path);
    store.ensureSeat(BRANCH);
    store.setSyncConfig({ hqUrl: 'http://127.0.0.1:9', token: TOKEN });
    store.setSetting(AGENT, 'sip.password', SIP_PASSWORD);
    store.close();
    const elsewhere = join(tmp.dir, 'elsewhere');
    mkdirSync(elsewhere);
    copyFileSync(path, join(elsewhere, 'seat.db'));

    const copy = SeatStore.open(join(elsewhere, 'seat.db'));
    expect(copy.syncConfig()).toBeNull();
    expect(copy.settings()['sip.password']).toBe('');
    expect(copy.unreadableSecrets()).toEqual(['hq.token', 'sip.password']);
    const status = new SeatSync(copy).status();
    expect(status.state).toBe('not_configured');
    expect(status.lastError).toContain('本地保存的凭据无法解密');
    expect(status.lastError).toContain('hq.token、sip.password');
    // Set again, a credential is sealed with this seat's key and readable.
    copy.setSetting(AGENT, 'sip.password', 'new-sip-password');
    expect(copy.settings()['sip.password']).toBe('new-sip-password');
    expect(copy.unreadableSecrets()).toEqual(['hq.token']);
    copy.close();
  });

  it('keeps no hash a pull brings, even from an older head office that still sends one', async () => {
    const { batch, ids } = await smallBranch();
    const store = SeatStore.open(tmp.file('seat.db'));
    store.ensureSeat(BRANCH);
    const page = PullResponse.parse({
      cursor: 1,
      more: false,
      salespeople: batch.salespeople,
      agents: batch.agents.map((a) => ({ ...a, passwordHash: HQ_HASH })),
      customers: batch.customers,
      tasks: batch.tasks,
      revoked: [],
      scripts: [],
      settings: [],
    });
    store.applyPull(page);
    expect(store.agentByCode('A001')?.id).toBe(ids.agent);
    expect(store.offlineVerifier(ids.agent)).toBeNull();
    expect(store.db.prepare('SELECT count(*) AS n FROM offline_verifiers').get()).toEqual({ n: 0 });
    store.close();
  });

  it('makes the data folder 0700 and the database 0600, and tightens what an older build left open', () => {
    const dir = join(tmp.dir, 'data');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    const path = join(dir, 'seat.db');
    version6(path, 'agent-sh01');
    chmodSync(path, 0o644);
    writeFileSync(`${path}-wal`, '');
    chmodSync(`${path}-wal`, 0o644);
    const old = join(dir, 'recordings', '2026', '11');
    mkdirSync(old, { recursive: true, mode: 0o755 });
    chmodSync(join(dir, 'recordings'), 0o755);
    writeFileSync(join(old, 'old.webm'), 'old');
    chmodSync(join(old, 'old.webm'), 0o444);

    const seat = Seat.open({ dbPath: path, appVersion: 'test', onDefect: () => {} });
    expect(mode(dir)).toBe(0o700);
    expect(mode(path)).toBe(0o600);
    expect(mode(`${path}-wal`)).toBe(0o600);
    expect(mode(join(dir, 'seat.key'))).toBe(0o600);
    expect(mode(join(dir, 'recordings'))).toBe(0o700);
    expect(mode(old)).toBe(0o700);
    expect(mode(join(old, 'old.webm'))).toBe(0o400);
    seat.store.close();
  });

  it('a new database, its folder and a recording in progress are private from the start', async () => {
    const dir = join(tmp.dir, 'fresh', 'data');
    const path = join(dir, 'seat.db');
    const { batch, ids } = await smallBranch();
    const store = SeatStore.open(path);
    store.ensureSeat(BRANCH);
    store.importReferenceData(batch);
    expect(mode(dir)).toBe(0o700);
    expect(mode(path)).toBe(0o600);
    expect(mode(`${path}-wal`)).toBe(0o600);
    const call = answeredCall(store, ids.agent, ids.taskA, join(dir, 'recordings'));
    const open = (store.db.prepare('SELECT path FROM recordings_open').get() as { path: string }).path;
    expect(mode(open)).toBe(0o600);
    expect(mode(join(dir, 'recordings'))).toBe(0o700);
    call.recordings.chunk({
      recordingId: call.recordingId,
      agentId: ids.agent,
      seq: 0,
      data: Buffer.from('x'),
    });
    call.recordings.finish({ recordingId: call.recordingId, agentId: ids.agent, durationMs: 1000 });
    expect(mode(open)).toBe(0o400);
    store.close();
  });

  it('the desktop box seals with safeStorage and still opens what the key file sealed (the browser seat’s)', async () => {
    // A stand-in for Electron's safeStorage: the real one is the OS's (DPAPI, Keychain, libsecret).
    const fake: SafeStorageLike = {
      isEncryptionAvailable: () => true,
      getSelectedStorageBackend: () => 'gnome_libsecret',
      encryptString: (plain) => Buffer.from(Buffer.from(`enc(${plain})`).map((b) => b ^ 0x5a)),
      decryptString: (buf) => {
        const text = Buffer.from(buf.map((b) => b ^ 0x5a)).toString();
        if (!text.startsWith('enc(')) throw new Error('Error while decrypting the ciphertext provided');
        return text.slice(4, -1);
      },
    };
    const dbPath = tmp.file('seat.db');
    const byBrowser = FileKeySecretBox.at(tmp.file('seat.key')).seal(TOKEN);
    const desktop = desktopSecretBox(fake, dbPath);
    expect(desktop).toBeInstanceOf(SecretKeyring);
    const sealed = desktop.seal(SIP_PASSWORD);
    expect(sealed).toMatch(/^ss1:/);
    expect(desktop.open(sealed)).toBe(SIP_PASSWORD);
    expect(desktop.open(byBrowser)).toBe(TOKEN);
    expect(() =>
      new SafeStorageSecretBox(fake).open(`ss1:${Buffer.from('garbage').toString('base64')}`),
    ).toThrow(SecretUnreadable);
    // Linux without a keyring: safeStorage's "encryption" is a fixed key, so the key file is used instead.
    const basic = desktopSecretBox({ ...fake, getSelectedStorageBackend: () => 'basic_text' }, dbPath);
    expect(basic.seal('x')).toMatch(/^fk1:/);

    const store = SeatStore.open(dbPath, { secrets: desktop });
    store.ensureSeat(BRANCH);
    store.setSyncConfig({ hqUrl: 'http://127.0.0.1:9', token: TOKEN });
    expect(rawFiles(dbPath).includes(TOKEN)).toBe(false);
    expect(store.syncConfig()?.token).toBe(TOKEN);
    store.close();
  });

  it('a local seed’s hash becomes that agent’s verifier (demo and tests), checked as any verifier', async () => {
    const { batch, ids } = await smallBranch();
    const store = SeatStore.open(tmp.file('seat.db'));
    store.ensureSeat(BRANCH);
    store.importReferenceData({
      ...batch,
      agents: [
        {
          ...(batch.agents[0] as (typeof batch.agents)[0]),
          passwordHash: await hashPassword('pw', { N: 1024 }),
        },
      ],
    });
    expect(await verifyPassword('pw', store.offlineVerifier(ids.agent) ?? '')).toBe(true);
    store.close();
  });
});
