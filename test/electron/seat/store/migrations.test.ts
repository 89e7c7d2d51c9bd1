import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, StoreOpenError } from '../../../../electron/seat/store/database';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../../../electron/seat/store/migrations';
import { tempDir } from '../../../support/fixtures';
import { thrown } from '../../../support/thrown';

const tables = (db: Database.Database) =>
  (
    db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as {
      name: string;
    }[]
  )
    .map((r) => r.name)
    .filter((n) => !n.startsWith('sqlite_'));

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

const openError = (fn: () => unknown) => thrown(StoreOpenError, fn);

describe('seat database migrations', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  it('numbers migrations 1..n with no gap', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_m, i) => i + 1));
    expect(LATEST_SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });

  it('a new database gets WAL, synchronous=FULL, foreign keys and the latest schema', () => {
    const db = openDatabase(tmp.file('seat.db'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    db.close();
  });

  it('migration 1 creates the reference tables', () => {
    const db = openDatabase(tmp.file('seat.db'), { targetVersion: 1 });
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(tables(db)).toEqual([
      'agents',
      'customers',
      'salespeople',
      'seat',
      'settings',
      'task_purposes',
      'tasks',
    ]);
    const plan = db
      .prepare(
        "EXPLAIN QUERY PLAN SELECT id FROM tasks WHERE status = 'open' ORDER BY deadline_at, id LIMIT 100",
      )
      .all() as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toContain('tasks_open_by_deadline');
    db.close();
  });

  it('migration 2 adds evidence tables with append-only triggers and keeps the data of version 1', () => {
    const path = tmp.file('seat.db');
    const v1 = openDatabase(path, { targetVersion: 1 });
    v1.prepare("INSERT INTO settings (key, value, updated_at) VALUES ('ui.language', '\"en\"', 'x')").run();
    v1.close();

    const db = openDatabase(path, { targetVersion: 2 });
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    expect(tables(db)).toEqual(
      expect.arrayContaining([
        'attempts',
        'results',
        'answers',
        'recordings',
        'audit',
        'outbox',
        'sync_state',
      ]),
    );
    expect(db.prepare("SELECT value FROM settings WHERE key = 'ui.language'").get()).toEqual({
      value: '"en"',
    });
    const triggers = (
      db.prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger'").all() as { name: string }[]
    ).map((t) => t.name);
    for (const t of ['attempts', 'attempt_endings', 'results', 'answers', 'recordings', 'audit']) {
      expect(triggers).toContain(`${t}_no_update`);
      expect(triggers).toContain(`${t}_no_delete`);
    }
    db.prepare(
      "INSERT INTO audit (id, at, seat_id, agent_id, action, entity_type, entity_id, detail) VALUES ('a', 'x', 's', null, 'test', 't', 'e', '{}')",
    ).run();
    expect(() => db.prepare("UPDATE audit SET action = 'other' WHERE id = 'a'").run()).toThrow(/append-only/);
    expect(() => db.prepare("DELETE FROM audit WHERE id = 'a'").run()).toThrow(/append-only/);
    db.close();
  });

  it('migration 3 adds recordings in progress and append-only marks, keeping version 2 data', () => {
    const path = tmp.file('seat.db');
    const v2 = openDatabase(path, { targetVersion: 2 });
    v2.prepare('INSERT INTO sync_state (singleton, acked_seq) VALUES (1, 0) ON CONFLICT DO NOTHING').run();
    v2.close();
    const db = openDatabase(path, { targetVersion: 3 });
    expect(db.pragma('user_version', { simple: true })).toBe(3);
    expect(tables(db)).toEqual(expect.arrayContaining(['recordings_open', 'recording_marks']));
    db.prepare(
      "INSERT INTO recording_marks (id, recording_id, offset_ms, label, at) VALUES ('m', 'r', 10, 'x', 'now')",
    ).run();
    expect(() => db.prepare('UPDATE recording_marks SET offset_ms = 5').run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM recording_marks').run()).toThrow(/append-only/);
    expect(() =>
      db
        .prepare(
          "INSERT INTO recording_marks (id, recording_id, offset_ms, label, at) VALUES ('n', 'r', -1, 'x', 'now')",
        )
        .run(),
    ).toThrow(/CHECK/);
    db.close();
  });

  it('reopening an up-to-date database changes nothing', () => {
    const path = tmp.file('seat.db');
    openDatabase(path).close();
    const before = sha(path);
    openDatabase(path).close();
    expect(sha(path)).toBe(before);
  });

  it('a failing migration leaves the previous version intact', () => {
    const path = tmp.file('seat.db');
    const v1 = openDatabase(path, { targetVersion: 1 });
    // A table that migration 2 wants to create already exists: its CREATE fails half-way through.
    v1.exec('CREATE TABLE audit (x INTEGER)');
    v1.close();
    expect(() => openDatabase(path)).toThrow(StoreOpenError);
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('user_version', { simple: true })).toBe(1);
    expect(tables(raw)).not.toContain('results');
    raw.close();
  });

  it('refuses a database written by a newer version, with a clear message, and leaves it untouched', () => {
    const path = tmp.file('seat.db');
    openDatabase(path).close();
    const raw = new Database(path);
    raw.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    raw.close();
    const before = sha(path);
    const error = openError(() => openDatabase(path));
    expect(error.problem).toBe('NEWER_SCHEMA');
    expect(error.message).toContain('更新版本');
    expect(error.message).toContain(String(LATEST_SCHEMA_VERSION + 1));
    expect(sha(path)).toBe(before);
  });

  it('reports a file that is not a database and never replaces it', () => {
    const path = tmp.file('seat.db');
    writeFileSync(path, '这不是数据库文件 — not a database at all, just some text that is long enough');
    const before = sha(path);
    const error = openError(() => openDatabase(path));
    expect(error.problem).toBe('CORRUPT');
    expect(error.message).toContain('已损坏');
    expect(sha(path)).toBe(before);
  });

  it('reports a database whose schema pages are damaged', () => {
    const path = tmp.file('seat.db');
    const db = openDatabase(path);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const bytes = readFileSync(path);
    // Keep the 100-byte header, overwrite the rest of page 1 (the schema table) with garbage.
    bytes.fill(0xa5, 100, 4096);
    writeFileSync(path, bytes);
    const before = sha(path);
    const error = openError(() => openDatabase(path));
    expect(error.problem).toBe('CORRUPT');
    expect(sha(path)).toBe(before);
  });

  it('reports a path it cannot read', () => {
    const path = tmp.file('seat.db');
    mkdirSync(path);
    const error = openError(() => openDatabase(path));
    expect(error.problem).toBe('UNREADABLE');
    expect(error.message).toContain('无法读取');
  });

  it('refuses a second writer on the same file', () => {
    const path = tmp.file('seat.db');
    const first = openDatabase(path);
    const error = openError(() => openDatabase(path));
    expect(error.problem).toBe('IN_USE');
    expect(error.message).toContain('另一个坐席程序');
    first.close();
    openDatabase(path).close();
  });
});
