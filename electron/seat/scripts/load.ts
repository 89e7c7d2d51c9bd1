import { parseScript } from '../../../shared/scripts/format';
import { type RejectedFile, readJsonFolder } from '../json-folder';
import type { SeatStore } from '../store/seat-store';

export interface ScriptLoadReport {
  /** Scripts new to this seat, as `id@version`. */
  added: string[];
  /** Files that were not loaded, with why (Chinese, naming the script and step). */
  rejected: RejectedFile[];
}

/**
 * Loads the callback scripts of each folder in turn (the shipped ones, then the administrators' folder, where
 * a new version of a script or a new script is dropped without a rebuild). A bad file is reported and
 * skipped; it never stops the seat or the other scripts. A missing folder is simply empty.
 */
export function loadScriptFolders(store: SeatStore, folders: readonly string[]): ScriptLoadReport {
  const report: ScriptLoadReport = { added: [], rejected: [] };
  for (const folder of folders) {
    for (const { file, path, json } of readJsonFolder(folder, report.rejected)) {
      const result = parseScript(json, file);
      if (!result.ok) {
        report.rejected.push({ file: path, message: result.error });
        continue;
      }
      const { id, version } = result.script;
      const outcome = store.registerScript(result.script, path);
      if (outcome === 'new') report.added.push(`${id}@${version}`);
      if (outcome === 'conflict') {
        report.rejected.push({
          file: path,
          message: `${file}：脚本 ${id} 的版本 ${version} 已以不同内容载入；修改脚本须提高版本号`,
        });
      }
    }
  }
  for (const { file, message } of report.rejected) {
    store.audit({
      agentId: null,
      action: 'script.rejected',
      entityType: 'script',
      entityId: file,
      detail: { message },
    });
  }
  return report;
}
