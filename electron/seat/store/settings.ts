import { SETTING_SCHEMAS, type SettingKey, type Settings } from '../../../shared/contract';
import { type Db, stmt } from './database';

/**
 * All settings with defaults filled in. A stored value the current schema rejects (e.g. written by an older
 * build with other rules) falls back to the default rather than breaking the seat.
 */
export function readSettings(db: Db): Settings {
  const stored = new Map(
    stmt<[], { key: string; value: string }>(db, 'SELECT key, value FROM settings')
      .all()
      .map((r) => [r.key, r.value]),
  );
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(SETTING_SCHEMAS) as SettingKey[]) {
    const raw = stored.get(key);
    const schema = SETTING_SCHEMAS[key];
    const parsed = raw === undefined ? undefined : schema.safeParse(JSON.parse(raw));
    out[key] = parsed?.success ? parsed.data : schema.parse(undefined);
  }
  return out as Settings;
}

export function writeSetting(db: Db, key: SettingKey, value: unknown, at: string): void {
  stmt(
    db,
    `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
  ).run(key, JSON.stringify(value), at);
}
