import type { z } from 'zod';
import { checkScript, type ScriptProblem } from './check';
import { Script } from './schema';

export type { ScriptProblem } from './check';
export * from './schema';

export type ParseResult =
  | { ok: true; script: Script }
  /** `error`/`errorEn`: one line per problem, each naming the script and the step. */
  | { ok: false; error: string; errorEn: string; problems: ScriptProblem[] };

/** At most this many lines in `error`: an administrator fixes the first few and loads again. */
const MAX_LINES = 10;

/**
 * Loads a script from parsed JSON (or YAML). `source` (usually the file name) names the script when the file
 * is too broken to have an id. Never throws: a bad file must not stop the seat, only that script.
 */
export function parseScript(json: unknown, source: string): ParseResult {
  const parsed = Script.safeParse(json);
  const problems = parsed.success
    ? checkScript(parsed.data)
    : parsed.error.issues.map((i) => describe(i, json));
  if (parsed.success && problems.length === 0) return { ok: true, script: parsed.data };
  const { zh, en } = scriptName(json, source);
  const lines = problems.slice(0, MAX_LINES).map((p) => ({
    zh: p.stepId === null ? `${zh}：${p.zh}` : `${zh} 的步骤 ${p.stepId}：${p.zh}`,
    en: p.stepId === null ? `${en}: ${p.en}` : `${en}, step ${p.stepId}: ${p.en}`,
  }));
  if (problems.length > MAX_LINES) {
    const more = problems.length - MAX_LINES;
    lines.push({ zh: `……另有 ${more} 处问题`, en: `… and ${more} more problems` });
  }
  return {
    ok: false,
    error: lines.map((l) => l.zh).join('\n'),
    errorEn: lines.map((l) => l.en).join('\n'),
    problems,
  };
}

function scriptName(json: unknown, source: string): { zh: string; en: string } {
  const { id, version } = isRecord(json) ? json : {};
  if (typeof id === 'string' && id !== '') {
    const v = typeof version === 'number' ? ` v${version}` : '';
    return { zh: `脚本 ${id}${v}`, en: `Script ${id}${v}` };
  }
  return { zh: `脚本 ${source}`, en: `Script ${source}` };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Field names as an administrator knows them. */
const FIELDS: Record<string, [string, string]> = {
  format: ['格式版本', 'format version'],
  id: ['编号', 'id'],
  version: ['版本', 'version'],
  callbackType: ['回访类型', 'callback type'],
  title: ['标题', 'title'],
  steps: ['步骤', 'steps'],
  kind: ['步骤类型', 'step kind'],
  required: ['必答标记', 'required flag'],
  text: ['文本', 'text'],
  note: ['坐席提示', 'note'],
  zh: ['中文', 'Chinese text'],
  en: ['英文', 'English text'],
  input: ['题型', 'input'],
  options: ['选项', 'options'],
  label: ['选项文字', 'label'],
  checks: ['核实项', 'checks'],
  failText: ['核实失败结束语', 'identity-failure text'],
  next: ['跳转目标', 'next step'],
  branches: ['跳转', 'branches'],
  when: ['条件', 'condition'],
  findings: ['发现', 'findings'],
  finding: ['发现', 'finding'],
  category: ['发现类别', 'finding category'],
  severity: ['严重程度', 'severity'],
  about: ['发现对象', 'finding subject'],
  min: ['最小值', 'min'],
  max: ['最大值', 'max'],
  integer: ['整数标记', 'integer flag'],
  maxLength: ['长度上限', 'maxLength'],
  outcome: ['结果规则', 'outcome rules'],
  rules: ['规则', 'rules'],
  default: ['默认结果', 'default outcome'],
  step: ['步骤', 'step'],
  is: ['答案', 'answer'],
  findingAtLeast: ['发现级别', 'finding level'],
};

const TYPES: Record<string, [string, string]> = {
  string: ['文字', 'a string'],
  number: ['数字', 'a number'],
  int: ['整数', 'an integer'],
  boolean: ['true 或 false', 'true or false'],
  array: ['列表', 'a list'],
  object: ['对象', 'an object'],
};

/** Maps one zod issue to a sentence; the step is found through the issue's path into the raw JSON. */
function describe(issue: z.core.$ZodIssue, json: unknown): ScriptProblem {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  let stepId: string | null = null;
  let rest = path;
  if (path[0] === 'steps' && typeof path[1] === 'number') {
    const raw = isRecord(json) && Array.isArray(json.steps) ? json.steps[path[1]] : undefined;
    const id = isRecord(raw) ? raw.id : undefined;
    stepId = typeof id === 'string' && id !== '' ? id : `#${path[1] + 1}`;
    rest = path.slice(2);
  }
  const name = [...rest].reverse().find((p): p is string => typeof p === 'string');
  const [fieldZh, fieldEn] = name === undefined ? ['内容', 'value'] : (FIELDS[name] ?? [name, name]);
  // The exact location helps with a long options list ("options.3.label.zh").
  const where = rest.length > 1 ? `（${rest.join('.')}）` : '';
  const whereEn = rest.length > 1 ? ` (${rest.join('.')})` : '';
  const f = `${fieldZh}${where}`;
  const fe = `${fieldEn}${whereEn}`;
  const say = (zh: string, en: string): ScriptProblem => ({ stepId, zh, en });

  const absent = valueAt(json, path) === undefined;
  if (absent && ['invalid_type', 'invalid_value', 'invalid_union'].includes(issue.code)) {
    return say(`缺少${f}`, `${fe} missing`);
  }
  switch (issue.code) {
    case 'invalid_type': {
      const [tz, te] = TYPES[issue.expected] ?? [issue.expected, issue.expected];
      return say(`${f}应为${tz}`, `${fe} must be ${te}`);
    }
    case 'too_small':
      if (issue.origin === 'string') return say(`${f}不能为空`, `${fe} cannot be empty`);
      if (issue.origin === 'array') {
        return say(`${f}至少需要 ${issue.minimum} 项`, `${fe} needs at least ${issue.minimum} items`);
      }
      return say(`${f}不能小于 ${issue.minimum}`, `${fe} cannot be less than ${issue.minimum}`);
    case 'too_big':
      return say(`${f}不能超过 ${issue.maximum}`, `${fe} cannot exceed ${issue.maximum}`);
    case 'invalid_format':
      return say(
        `${f}格式不正确（只能用小写字母、数字、下划线和点）`,
        `${fe} is malformed (lower-case letters, digits, underscores and dots only)`,
      );
    case 'invalid_value': {
      const values = issue.values.map(String);
      return say(
        `${f}取值无效，应为：${values.join('、')}`,
        `${fe} is invalid; expected one of ${values.join(', ')}`,
      );
    }
    case 'unrecognized_keys':
      return say(`未知字段：${issue.keys.join('、')}`, `unknown field: ${issue.keys.join(', ')}`);
    case 'invalid_union': {
      const options = (issue as { options?: unknown[] }).options;
      if (options !== undefined) {
        const list = options.map(String);
        return say(
          `${f}无效，应为：${list.join('、')}`,
          `${fe} is invalid; expected one of ${list.join(', ')}`,
        );
      }
      return say(`${f}无效`, `${fe} is invalid`);
    }
    default:
      return say(`${f}无效：${issue.message}`, `${fe} is invalid: ${issue.message}`);
  }
}

function valueAt(json: unknown, path: readonly (string | number)[]): unknown {
  let value = json;
  for (const key of path) {
    if (Array.isArray(value) && typeof key === 'number') value = value[key];
    else if (isRecord(value) && typeof key === 'string') value = value[key];
    else return undefined;
  }
  return value;
}
