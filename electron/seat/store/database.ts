import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { registerAuditChainFunction } from './audit-chain';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations';
import { privateDir, tightenFile } from './private-files';

export type Db = Database.Database;

export type StoreOpenProblem = 'NEWER_SCHEMA' | 'CORRUPT' | 'UNREADABLE' | 'IN_USE' | 'DISK_FULL';

/** Why the seat's database cannot be used. The file is left exactly as it was found. */
export class StoreOpenError extends Error {
  readonly problem: StoreOpenProblem;
  constructor(problem: StoreOpenProblem, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreOpenError';
    this.problem = problem;
  }
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * The pragmas every connection to a seat database uses, the benchmark's raw baseline included.
 * - EXCLUSIVE locking before WAL: this process is the one writer; a second seat process on the same file is
 *   refused at open instead of interleaving writes (and WAL then needs no shared-memory file).
 * - synchronous=FULL: every commit of evidence or outbox is on disk before the call returns.
 * - wal_autocheckpoint=0: SQLite would otherwise checkpoint inside whichever commit crosses 1,000 WAL pages,
 *   making that agent wait; `SeatStore` checkpoints when the event loop is idle instead.
 * - secure_delete=FAST: what an update or delete frees inside a page is zeroed when the page is written anyway
 *   (no extra I/O), so a credential sealed or a hash removed in place does not linger in the file's free space.
 */
export function applyPragmas(db: Db): void {
  db.pragma('locking_mode = EXCLUSIVE');
  db.pragma('busy_timeout = 0');
  const mode = db.pragma('journal_mode = WAL', { simple: true });
  if (mode !== 'wal') throw new Error(`journal_mode is ${String(mode)}, expected wal`);
  db.pragma('synchronous = FULL');
  db.pragma('wal_autocheckpoint = 0');
  db.pragma('foreign_keys = ON');
  db.pragma('secure_delete = FAST');
}

/** Reads the first 16 bytes: a non-empty file that is not SQLite is reported, never opened (and so never replaced). */
function checkHeader(path: string): void {
  let fd: number | undefined;
  try {
    if (statSync(path).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    fd = openSync(path, 'r');
    const head = Buffer.alloc(16);
    const n = readSync(fd, head, 0, 16, 0);
    if (n > 0 && !head.subarray(0, n).equals(SQLITE_HEADER.subarray(0, n))) {
      throw new StoreOpenError('CORRUPT', corruptMessage(path));
    }
    if (n > 0 && n < 16) throw new StoreOpenError('CORRUPT', corruptMessage(path));
  } catch (error) {
    if (error instanceof StoreOpenError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown';
    throw new StoreOpenError(
      'UNREADABLE',
      `无法读取本地数据库文件 ${path}（${code}）。请检查文件权限或联系管理员。`,
      {
        cause: error,
      },
    );
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

const corruptMessage = (path: string) =>
  `本地数据库文件已损坏或不是数据库文件：${path}。文件已原样保留，未作任何改动；请联系管理员从备份恢复。`;

/** Maps SQLite's failures at open to the problems a person can act on. */
function classify(path: string, error: unknown): StoreOpenError {
  if (error instanceof StoreOpenError) return error;
  const code = String((error as { code?: unknown }).code ?? '');
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new StoreOpenError('CORRUPT', corruptMessage(path), { cause: error });
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new StoreOpenError(
      'IN_USE',
      `本地数据库正被另一个坐席程序使用：${path}。请先关闭另一个窗口或进程。`,
      {
        cause: error,
      },
    );
  }
  return new StoreOpenError('UNREADABLE', `无法打开本地数据库文件 ${path}（${code || 'unknown'}）。`, {
    cause: error,
  });
}

export interface OpenOptions {
  /** Stop after this migration (tests of one migration); defaults to the latest. */
  targetVersion?: number;
}

/**
 * Opens (or creates) the seat database, applies the pragmas and the pending migrations, each in its own
 * transaction with `user_version` set inside it. A database whose `user_version` is newer than this build
 * knows is refused before anything is written to it.
 */
export function openDatabase(path: string, options: OpenOptions = {}): Db {
  const target = options.targetVersion ?? LATEST_SCHEMA_VERSION;
  const onDisk = path !== ':memory:';
  if (onDisk && existsSync(path)) checkHeader(path);
  let db: Db | undefined;
  try {
    // The data folder and the database are the user's alone (private-files.ts); SQLite gives the -wal and
    // -shm files the database's mode, and those an older build left behind are tightened here.
    if (onDisk) privateDir(dirname(path));
    db = new Database(path);
    if (onDisk) for (const file of [path, `${path}-wal`, `${path}-shm`]) tightenFile(file);
    applyPragmas(db);
    // Migration 0008 chains the audit entries written before it with this function.
    registerAuditChainFunction(db);
    // Touch the schema so a damaged first page is reported here, not at the first query.
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > LATEST_SCHEMA_VERSION) {
      throw new StoreOpenError(
        'NEWER_SCHEMA',
        `本地数据库由更新版本的坐席程序写入（数据库版本 ${current}，本程序支持到 ${LATEST_SCHEMA_VERSION}）。` +
          '请升级坐席程序；数据库未作任何改动。',
      );
    }
    for (const migration of MIGRATIONS) {
      if (migration.version <= current || migration.version > target) continue;
      db.transaction(() => {
        db?.exec(migration.up);
        db?.pragma(`user_version = ${migration.version}`);
      })();
    }
    // Head office's password hashes, dropped by 0007 from a database that had them, leave the file's old pages
    // at once rather than at the next idle checkpoint.
    if (onDisk && current >= 1 && current < 7 && target >= 7) db.pragma('wal_checkpoint(TRUNCATE)');
    return db;
  } catch (error) {
    db?.close();
    throw classify(path, error);
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

const cache = new WeakMap<Db, Map<string, Database.Statement>>();

/** A statement prepared once per connection and reused: queries stay plain functions over `db`. */
export function stmt<P extends unknown[] | object = unknown[], R = unknown>(
  db: Db,
  sql: string,
): Database.Statement<P, R> {
  let byText = cache.get(db);
  if (!byText) {
    byText = new Map();
    cache.set(db, byText);
  }
  let statement = byText.get(sql);
  if (!statement) {
    statement = db.prepare(sql);
    byText.set(sql, statement);
  }
  return statement as unknown as Database.Statement<P, R>;
}
