import { SETTING_SCHEMAS, type Settings } from '../../../shared/contract';
import { stmt } from '../store/database';
import type { SeatStore } from '../store/seat-store';
import { readSettings } from '../store/settings';

type Language = Settings['ui.language'];

/**
 * The interface language is the agent's, not the seat's (#16): each agent's choice is kept in the settings
 * table under `agent:<agentId>:ui.language` (a row readSettings does not read, so it is no seat setting and
 * goes nowhere), and applied after their login. The seat's own `ui.language` is the language last in use
 * at this seat: the login screen starts in it (`seat.info`). An agent who never chose has Chinese.
 */
const agentKey = (agentId: string) => `agent:${agentId}:ui.language`;

const LanguageValue = SETTING_SCHEMAS['ui.language'];

/** The agent's own language (Chinese unless they chose English at some login). */
export function agentLanguage(store: SeatStore, agentId: string): Language {
  const row = stmt<[string], { value: string }>(store.db, 'SELECT value FROM settings WHERE key = ?').get(
    agentKey(agentId),
  );
  const parsed = row ? LanguageValue.safeParse(JSON.parse(row.value)) : null;
  return parsed?.success ? parsed.data : LanguageValue.parse(undefined);
}

/** The language the seat was last used in: what its login screen shows. */
export const seatLanguage = (store: SeatStore): Language => readSettings(store.db)['ui.language'];

/** The agent chose `language` (settings.set, which also audits it and makes it the seat's last used one). */
export function saveAgentLanguage(store: SeatStore, agentId: string, language: Language): void {
  stmt(
    store.db,
    `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
  ).run(agentKey(agentId), JSON.stringify(language), store.now());
}

/**
 * The agent is now at the seat (a login, a resume): their language becomes the seat's last used one, so a
 * reload of the login screen after they leave shows it. Not a change anyone made: not audited.
 */
export function languageInUse(store: SeatStore, agentId: string): void {
  const language = agentLanguage(store, agentId);
  if (seatLanguage(store) === language) return;
  stmt(
    store.db,
    `INSERT INTO settings (key, value, updated_at) VALUES ('ui.language', ?, ?)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
  ).run(JSON.stringify(language), store.now());
}
