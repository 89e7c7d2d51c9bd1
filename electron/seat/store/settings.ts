import {
  HQ_MANAGED_SETTINGS,
  isManagedSetting,
  type Role,
  SECRET_MASK,
  SETTING_MANAGERS,
  SETTING_SCHEMAS,
  type SettingKey,
  type Settings,
} from '../../../shared/contract';
import { type Db, stmt } from './database';
import { isSealed, openStored, secretBoxOf } from './secrets';

/**
 * Where a value came from: set at this seat, or head office's for the branch (a pull). Head office's is kept
 * under its own row (`hq:<key>`), beside the seat's: it wins while it is there, and the seat's own value is
 * not lost by it.
 */
export type SettingSource = 'seat' | 'hq';

const HQ_PREFIX = 'hq:';
const rowKey = (key: SettingKey, source: SettingSource) => (source === 'hq' ? `${HQ_PREFIX}${key}` : key);
const isHqManaged = (key: string): boolean => (HQ_MANAGED_SETTINGS as readonly string[]).includes(key);

/**
 * All settings with defaults filled in; head office's value of a key it manages wins over the seat's. A
 * stored value the current schema rejects (e.g. written by an older build with other rules) falls back to the
 * default rather than breaking the seat.
 */
export function readSettings(db: Db): Settings {
  const stored = new Map(
    stmt<[], { key: string; value: string }>(db, 'SELECT key, value FROM settings')
      .all()
      .map((r) => [r.key, r.value]),
  );
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(SETTING_SCHEMAS) as SettingKey[]) {
    const hq = isHqManaged(key) ? stored.get(rowKey(key, 'hq')) : undefined;
    const own = hq ?? stored.get(key);
    // A credential this seat cannot open (SeatStore.unreadableSecrets) reads as unset, never as its bytes.
    const raw = isSecretSetting(key) ? (openStoredSetting(db, own) ?? undefined) : own;
    const schema = SETTING_SCHEMAS[key];
    const parsed = raw === undefined ? undefined : schema.safeParse(JSON.parse(raw));
    out[key] = parsed?.success ? parsed.data : schema.parse(undefined);
  }
  return out as Settings;
}

export function writeSetting(
  db: Db,
  key: SettingKey,
  value: unknown,
  at: string,
  source: SettingSource = 'seat',
): void {
  const json = JSON.stringify(value);
  stmt(
    db,
    `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
  ).run(rowKey(key, source), isSecretSetting(key) ? secretBoxOf(db).seal(json) : json, at);
}

/** The keys head office has set for this seat's branch: read-only at the seat, whoever is logged in. */
export function hqSetSettings(db: Db): SettingKey[] {
  return stmt<[], { key: string }>(db, `SELECT key FROM settings WHERE key LIKE '${HQ_PREFIX}%' ORDER BY key`)
    .all()
    .map((r) => r.key.slice(HQ_PREFIX.length))
    .filter((key): key is SettingKey => key in SETTING_SCHEMAS && isHqManaged(key));
}

/** Whether this role may change managed settings (SETTING_ACCESS) at the seat. */
export const isManager = (role: Role): boolean => (SETTING_MANAGERS as readonly Role[]).includes(role);

/**
 * Why this role may not change this key here, or null when it may: one head office set wins over anyone at
 * the seat; a managed one is a supervisor's or administrator's.
 */
export function settingsRefusal(key: SettingKey, role: Role, fromHq: readonly SettingKey[]): string | null {
  if (fromHq.includes(key)) return '此项设置由总部统一设置，本机不能修改';
  if (isManagedSetting(key) && !isManager(role)) {
    return '电话线路设置由主管或管理员设置：坐席人员只能更改音频设备和界面语言等个人偏好';
  }
  return null;
}

/**
 * The settings that hold credentials: stored sealed (secrets.ts), the sealed text in place of the JSON.
 * ICE servers carry TURN usernames and credentials.
 */
export const SECRET_SETTINGS = ['sip.password', 'sip.iceServers'] as const satisfies readonly SettingKey[];

const isSecretSetting = (key: string): boolean => (SECRET_SETTINGS as readonly string[]).includes(key);

type IceServers = Settings['sip.iceServers'];

/** Credentials replaced by SECRET_MASK (or '' when unset): what `settings.get` and the audit trail show. */
export function maskSettings(settings: Settings): Settings {
  return {
    ...settings,
    'sip.password': maskSetting('sip.password', settings['sip.password']) as string,
    'sip.iceServers': maskSetting('sip.iceServers', settings['sip.iceServers']) as IceServers,
  };
}

export function maskSetting(key: SettingKey, value: unknown): unknown {
  if (key === 'sip.password') return value === '' ? '' : SECRET_MASK;
  if (key === 'sip.iceServers') {
    return (value as IceServers).map((s) =>
      s.credential === undefined ? s : { ...s, credential: s.credential === '' ? '' : SECRET_MASK },
    );
  }
  return value;
}

/**
 * A value given to `settings.set` with SECRET_MASK where a credential was shown masked: the stored credential
 * stays (the password; a TURN server's credential, matched by its URLs and user name).
 */
export function unmaskSetting(key: SettingKey, value: unknown, current: Settings): unknown {
  if (key === 'sip.password') return value === SECRET_MASK ? current['sip.password'] : value;
  if (key === 'sip.iceServers') {
    const same = (a: IceServers[number], b: IceServers[number]) =>
      JSON.stringify(a.urls) === JSON.stringify(b.urls) && a.username === b.username;
    return (value as IceServers).map((s) => {
      if (s.credential !== SECRET_MASK) return s;
      const stored = current['sip.iceServers'].find((c) => same(c, s))?.credential;
      const { credential: _masked, ...rest } = s;
      return stored === undefined ? rest : { ...rest, credential: stored };
    });
  }
  return value;
}

const openStoredSetting = (db: Db, raw: string | undefined): string | null =>
  raw === undefined ? null : openStored(db, raw);

const secretRowKeys = SECRET_SETTINGS.flatMap((k) => [k, rowKey(k, 'hq')]);

const storedSecrets = (db: Db) =>
  stmt<[], { key: string; value: string; updatedAt: string }>(
    db,
    `SELECT key, value, updated_at AS updatedAt FROM settings
     WHERE key IN (${secretRowKeys.map((k) => `'${k}'`).join(', ')})`,
  ).all();

const sourceOf = (rowKeyText: string): [SettingKey, SettingSource] =>
  rowKeyText.startsWith(HQ_PREFIX)
    ? [rowKeyText.slice(HQ_PREFIX.length) as SettingKey, 'hq']
    : [rowKeyText as SettingKey, 'seat'];

/** Credentials an older build stored in clear, sealed (at open), their `updated_at` kept; how many. */
export function sealClearSettings(db: Db): number {
  const clear = storedSecrets(db).filter((row) => !isSealed(row.value));
  for (const row of clear) {
    const [key, source] = sourceOf(row.key);
    writeSetting(db, key, JSON.parse(row.value), row.updatedAt, source);
  }
  return clear.length;
}

/** The credential settings this seat cannot open. */
export function unreadableSettings(db: Db): SettingKey[] {
  return [
    ...new Set(
      storedSecrets(db)
        .filter((r) => openStored(db, r.value) === null)
        .map((r) => sourceOf(r.key)[0]),
    ),
  ];
}
