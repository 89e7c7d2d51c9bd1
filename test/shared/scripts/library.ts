import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CALLBACK_TYPES, type CallbackType } from '../../../shared/domain/callback-types';
import { parseScript, type Script } from '../../../shared/scripts/format';

/** The shipped scripts, read as the seat will read them: JSON files an administrator may edit. */
export const SCRIPTS_DIR = fileURLToPath(new URL('../../../assets/scripts/', import.meta.url));

export function scriptFiles(): string[] {
  return readdirSync(SCRIPTS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort();
}

export function readScriptJson(file: string): unknown {
  return JSON.parse(readFileSync(`${SCRIPTS_DIR}${file}`, 'utf8'));
}

/** Every shipped script by callback type; throws with the loader's message if one does not load. */
export function loadLibrary(): Map<CallbackType, Script> {
  const library = new Map<CallbackType, Script>();
  for (const file of scriptFiles()) {
    const result = parseScript(readScriptJson(file), file);
    if (!result.ok) throw new Error(result.error);
    library.set(result.script.callbackType, result.script);
  }
  return library;
}

export function scriptFor(library: Map<CallbackType, Script>, type: CallbackType): Script {
  const script = library.get(type);
  if (script === undefined) throw new Error(`no script for ${type}`);
  return script;
}

/** All combinations of `size` callback types, in CALLBACK_TYPES order. */
export function combinations(size: number, from: readonly CallbackType[] = CALLBACK_TYPES): CallbackType[][] {
  if (size === 0) return [[]];
  return from.flatMap((type, i) => combinations(size - 1, from.slice(i + 1)).map((rest) => [type, ...rest]));
}
