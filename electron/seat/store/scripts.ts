import { createHash } from 'node:crypto';
import { SeatError } from '../../../shared/contract';
import type { CallbackType } from '../../../shared/domain/callback-types';
import { parseScript, type Script } from '../../../shared/scripts/format';
import { type Db, stmt } from './database';

export type ScriptRegistration = 'new' | 'same' | 'conflict';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Keeps a validated script. An (id, version) is stored once and never changes: the same content again is
 * `same`; other content under a version already stored is a `conflict` (a changed script needs a new
 * version, so results recorded under the old one keep meaning what they meant).
 */
export function registerScript(db: Db, script: Script, source: string, at: string): ScriptRegistration {
  const body = JSON.stringify(script);
  const hash = sha256(body);
  const existing = stmt<[string, number], { sha256: string }>(
    db,
    'SELECT sha256 FROM scripts WHERE id = ? AND version = ?',
  ).get(script.id, script.version);
  if (existing) return existing.sha256 === hash ? 'same' : 'conflict';
  stmt(
    db,
    `INSERT INTO scripts (id, version, callback_type, body, sha256, source, loaded_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  ).run(script.id, script.version, script.callbackType, body, hash, source, at);
  return 'new';
}

const parsed = new Map<string, Script>();

/** The newest version of the script for each type; `NOT_FOUND` naming the type when one has none. */
export function currentScripts(db: Db, types: readonly CallbackType[]): Script[] {
  const newest = stmt<[string], { id: string; version: number; body: string }>(
    db,
    `SELECT id, version, body FROM scripts WHERE callback_type = ? ORDER BY version DESC LIMIT 1`,
  );
  return types.map((type) => {
    const row = newest.get(type);
    if (!row) throw new SeatError('NOT_FOUND', `未找到回访类型 ${type} 的脚本，请联系管理员`);
    return parsedScript(row);
  });
}

/** One version of a script, or null when this seat does not hold it. */
export function scriptVersion(db: Db, id: string, version: number): Script | null {
  const row = stmt<[string, number], { id: string; version: number; body: string }>(
    db,
    'SELECT id, version, body FROM scripts WHERE id = ? AND version = ?',
  ).get(id, version);
  return row ? parsedScript(row) : null;
}

function parsedScript(row: { id: string; version: number; body: string }): Script {
  const key = `${row.id}@${row.version}`;
  let script = parsed.get(key);
  if (!script) {
    const result = parseScript(JSON.parse(row.body), key);
    // Stored only after the same check passed: failing now means the store was altered.
    if (!result.ok) throw new Error(`stored script ${key} no longer loads: ${result.error}`);
    script = result.script;
    parsed.set(key, script);
  }
  return script;
}
