import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A file a loader did not take, with why (Chinese, for the administrator who dropped it there). */
export interface RejectedFile {
  file: string;
  message: string;
}

/**
 * The `.json` files of `dir` in name order, each read and parsed as it is taken: the scripts' and the training personas'
 * folders. A file that is not JSON goes to `rejected` and is skipped (one bad file never takes the others
 * away); a missing folder is simply empty. A UTF-8 byte-order mark at the start (Windows Notepad writes one) is
 * not part of the JSON and is dropped.
 */
export function* readJsonFolder(
  dir: string,
  rejected: RejectedFile[],
): Generator<{ file: string; path: string; json: unknown }> {
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  // One at a time, as the caller takes them: its own refusals and these stay in the files' order.
  for (const file of files) {
    const path = join(dir, file);
    let json: unknown;
    try {
      json = JSON.parse(withoutBom(readFileSync(path, 'utf8')));
    } catch (error) {
      rejected.push({ file: path, message: `${file}：不是有效的 JSON（${(error as Error).message}）` });
      continue;
    }
    yield { file, path, json };
  }
}

/** The text without a leading byte-order mark, which `JSON.parse` refuses. */
const withoutBom = (text: string) => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
