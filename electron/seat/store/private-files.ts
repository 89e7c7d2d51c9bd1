import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  statSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The seat's files are the user's alone: its data folder (the database, the key file, recordings) holds full
 * ID numbers, phones, recordings and credentials. Folders 0700, files 0600 (finished recordings 0400) on
 * Linux and macOS; on Windows the user's profile folder's ACL does this and chmod only touches the read-only
 * bit, so these calls change nothing there. Folders and files made by older builds (0755/0644/0444) are
 * tightened at start.
 */
export const PRIVATE_DIR = 0o700;
export const PRIVATE_FILE = 0o600;

/** Makes `dir` (and missing parents) 0700, and tightens it when it already exists. */
export function privateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
  chmodSync(dir, PRIVATE_DIR);
}

/** Takes group's and others' access off an existing file (0644 → 0600, 0444 → 0400); nothing if absent. */
export function tightenFile(path: string): void {
  const st = statSync(path, { throwIfNoEntry: false });
  if (st?.isFile() && (st.mode & 0o077) !== 0) chmodSync(path, st.mode & 0o700);
}

/** `tightenFile` and 0700 for every file and folder under `dir` (recordings made by an older build). */
export function tightenTree(dir: string): void {
  if (!existsSync(dir)) return;
  chmodSync(dir, PRIVATE_DIR);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) tightenTree(path);
    else if (entry.isFile()) tightenFile(path);
  }
}

/** Makes a file's directory entry durable (after creating the file). */
export function fsyncDir(fileInDir: string): void {
  const fd = openSync(dirname(fileInDir), 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
