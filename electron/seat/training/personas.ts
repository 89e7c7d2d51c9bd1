import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type Persona, parsePersona } from '../../../shared/training/persona';
import { type RejectedFile, readJsonFolder } from '../json-folder';

export interface PersonaLoadReport {
  /** The personas the training line may play, by file name order. */
  personas: Persona[];
  /** Files that were not loaded, with why (Chinese, naming the persona and the field or clip). */
  rejected: RejectedFile[];
}

/**
 * Loads the training line's customer personas from `dir`, checking that every clip a persona speaks is in
 * `voicesDir` (by default the `voices` folder beside it, as shipped in assets/training). A bad file or a
 * missing clip is reported and that persona skipped: the training line must never play a customer who falls
 * silent halfway, and one bad file must not take the others away. A missing folder is simply empty.
 */
export function loadPersonas(dir: string, voicesDir: string = join(dir, '..', 'voices')): PersonaLoadReport {
  const report: PersonaLoadReport = { personas: [], rejected: [] };
  const ids = new Map<string, string>();
  for (const { file, path, json } of readJsonFolder(dir, report.rejected)) {
    const result = parsePersona(json, file);
    if (!result.ok) {
      report.rejected.push({ file: path, message: result.error });
      continue;
    }
    const { persona } = result;
    const name = `客户角色 ${persona.id} v${persona.version}`;
    const missing = [...new Set(persona.turns.map((t) => t.clip))].filter(
      (clip) => !isClip(join(voicesDir, clip)),
    );
    if (missing.length > 0) {
      report.rejected.push({
        file: path,
        message: `${name}：缺少录音文件 ${missing.join('、')}（请运行 scripts/training-voices.ts 生成）`,
      });
      continue;
    }
    const earlier = ids.get(persona.id);
    if (earlier !== undefined) {
      report.rejected.push({ file: path, message: `${name}：编号与 ${earlier} 重复` });
      continue;
    }
    ids.set(persona.id, file);
    report.personas.push(persona);
  }
  return report;
}

/** A clip that can be played: a file with something in it (an empty file is a failed generation). */
function isClip(path: string): boolean {
  return existsSync(path) && statSync(path).isFile() && statSync(path).size > 0;
}
