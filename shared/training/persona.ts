import { z } from 'zod';
import { hasControl } from '../contract/schemas';
import { StepId } from '../scripts/schema';

/**
 * A simulated customer of the training line (演练线路): how the line behaves when dialled and, if the customer
 * answers, what they say and when. Personas are data (`assets/training/personas/*.json`, beside the callback
 * scripts) so a trainer can add one without a rebuild; each turn's voice is a clip generated offline from its
 * `text` by `scripts/training-voices.ts` and committed under `assets/training/voices/`.
 */

/** One line of text with no control character at all: names and spoken sentences never hold a line break. */
const Line = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((t) => !hasControl(t) && !/[\r\n\t]/.test(t), { message: 'control' });

/** A persona id, as the training view and the result keep it. */
export const PersonaId = z
  .string()
  .max(60)
  .regex(/^[a-z][a-z0-9_]*$/);

/** A clip's file name alone: no folder, so a persona cannot point outside the voices folder. */
export const ClipName = z
  .string()
  .max(80)
  .regex(/^[a-z0-9][a-z0-9_-]*\.ogg$/);

/** Longest wait the line allows anywhere (ringing, a pause): a minute, as a real customer's phone rings. */
export const MAX_RING_MS = 60_000;
export const MAX_DELAY_MS = 20_000;

/**
 * When a turn starts: `answer` when the customer picks up, `agent_speaks` after the agent has said something
 * (the turn answers the agent), `previous` right after the customer's previous turn ends. `delayMs` is the
 * pause before speaking, counted from that moment.
 */
export const TurnAfter = z.enum(['answer', 'agent_speaks', 'previous']);
export type TurnAfter = z.infer<typeof TurnAfter>;

export const Turn = z.strictObject({
  clip: ClipName,
  /** The Mandarin the clip says, from which it is generated (and what a supervisor reads in the training view). */
  text: Line(300),
  after: TurnAfter,
  delayMs: z.number().int().min(0).max(MAX_DELAY_MS),
  /** The script step id (`conduct.promised_returns`) or step kind (`identity`) this turn answers, if any. */
  expect: StepId.optional(),
});
export type Turn = z.infer<typeof Turn>;

/**
 * How the line behaves: `answer` rings `ringMs` then connects; `busy` rings `ringMs` then fails with `sipCode`
 * (486 Busy Here, as a PBX reports it); `no_answer` rings `ringMs` and then the network gives up with `sipCode`
 * (480), unless the seat's own ring timeout cancels first.
 */
export const PersonaLine = z.strictObject({
  kind: z.enum(['answer', 'busy', 'no_answer']),
  ringMs: z.number().int().min(0).max(MAX_RING_MS),
  sipCode: z.number().int().min(400).max(699).optional(),
});
export type PersonaLine = z.infer<typeof PersonaLine>;

export const Persona = z.strictObject({
  id: PersonaId,
  version: z.number().int().min(1).max(1_000_000),
  name: Line(40),
  description: Line(300),
  en: z.strictObject({ name: Line(80), description: Line(500) }).optional(),
  line: PersonaLine,
  turns: z.array(Turn).max(100),
  /**
   * The script steps at which this customer's answer gives cause for a finding (the training view checks the
   * trainee raised exactly these). Absent: none.
   */
  findings: z.array(StepId).max(50).default([]),
  /**
   * The customer hangs up this long after their last turn has finished (the hang-up-mid-call persona): counted
   * from the last turn, not from answering, so the hang-up falls mid-call however fast the agent reads.
   * Absent, the customer stays on the line until the agent ends the call.
   */
  hangUpAfterMs: z
    .number()
    .int()
    .min(0)
    .max(10 * 60_000)
    .optional(),
});
export type Persona = z.infer<typeof Persona>;

export type PersonaParseResult =
  | { ok: true; persona: Persona }
  /** `error`: one line per problem (at most ten), each naming the persona and the field. */
  | { ok: false; error: string; problems: string[] };

const MAX_LINES = 10;

/**
 * Loads a persona from parsed JSON. `fileName` names the persona when the file is too broken to have an id.
 * Never throws: a bad file must not stop the seat, only that persona.
 */
export function parsePersona(json: unknown, fileName: string): PersonaParseResult {
  const parsed = Persona.safeParse(json);
  const problems = parsed.success
    ? checkPersona(parsed.data)
    : parsed.error.issues.map((i) => describe(i, json));
  if (parsed.success && problems.length === 0) return { ok: true, persona: parsed.data };
  const name = personaName(json, fileName);
  const lines = problems.slice(0, MAX_LINES).map((p) => `${name}：${p}`);
  if (problems.length > MAX_LINES) lines.push(`……另有 ${problems.length - MAX_LINES} 处问题`);
  return { ok: false, error: lines.join('\n'), problems };
}

/** Rules across fields, which the schema alone cannot say. */
function checkPersona(p: Persona): string[] {
  const problems: string[] = [];
  if (p.line.kind === 'answer') {
    if (p.turns.length === 0) problems.push('接听的客户至少需要一句台词（turns）');
    if (p.line.sipCode !== undefined) problems.push('接听的线路不能有 SIP 状态码（line.sipCode）');
  } else {
    if (p.turns.length > 0) problems.push('未接通的线路不能有台词（turns）');
    if (p.hangUpAfterMs !== undefined) problems.push('未接通的线路不能设置挂断时间（hangUpAfterMs）');
  }
  const expected = new Set(p.turns.map((t) => t.expect));
  p.findings.forEach((step, i) => {
    if (!expected.has(step)) problems.push(`应记录发现的步骤 ${step} 没有对应的台词（findings.${i}）`);
  });
  if (p.line.kind === 'busy' && p.line.sipCode === undefined) {
    problems.push('忙线的线路需要 SIP 状态码（line.sipCode，例如 486）');
  }
  // A clip is generated from its text: one name with two texts would make one of them say the wrong thing.
  const texts = new Map<string, string>();
  p.turns.forEach((t, i) => {
    const seen = texts.get(t.clip);
    if (seen !== undefined && seen !== t.text) {
      problems.push(`第 ${i + 1} 句台词的录音文件 ${t.clip} 已用于另一句文本（turns.${i}.clip）`);
    }
    texts.set(t.clip, t.text);
  });
  if (p.turns[0]?.after === 'previous') problems.push('第 1 句台词之前没有上一句（turns.0.after）');
  return problems;
}

function personaName(json: unknown, fileName: string): string {
  const { id, version } = isRecord(json) ? json : {};
  if (typeof id === 'string' && id !== '') {
    return `客户角色 ${id}${typeof version === 'number' ? ` v${version}` : ''}`;
  }
  return `客户角色 ${fileName}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Field names as a trainer knows them. */
const FIELDS: Record<string, string> = {
  id: '编号',
  version: '版本',
  name: '名称',
  description: '说明',
  en: '英文说明',
  line: '线路',
  kind: '线路类型',
  ringMs: '振铃时长',
  sipCode: 'SIP 状态码',
  turns: '台词',
  clip: '录音文件',
  text: '文本',
  after: '开口时机',
  delayMs: '停顿时长',
  expect: '对应步骤',
  findings: '应记录发现的步骤',
  hangUpAfterMs: '挂断时间',
};

const TYPES: Record<string, string> = {
  string: '文字',
  number: '数字',
  int: '整数',
  array: '列表',
  object: '对象',
};

/** Maps one zod issue to a sentence naming the field, and the turn for a turn's field. */
function describe(issue: z.core.$ZodIssue, json: unknown): string {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const name = [...path].reverse().find((p): p is string => typeof p === 'string');
  const field = name === undefined ? '内容' : (FIELDS[name] ?? name);
  const turn = path[0] === 'turns' && typeof path[1] === 'number' ? `第 ${path[1] + 1} 句台词的` : '';
  const f = `${turn}${field}${path.length > 0 ? `（${path.join('.')}）` : ''}`;

  if (valueAt(json, path) === undefined && ['invalid_type', 'invalid_value'].includes(issue.code)) {
    return `缺少${f}`;
  }
  switch (issue.code) {
    case 'invalid_type':
      return `${f}应为${TYPES[issue.expected] ?? issue.expected}`;
    case 'too_small':
      if (issue.origin === 'string') return `${f}不能为空`;
      if (issue.origin === 'array') return `${f}至少需要 ${issue.minimum} 项`;
      return `${f}不能小于 ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'string') return `${f}不能超过 ${issue.maximum} 个字符`;
      if (issue.origin === 'array') return `${f}不能超过 ${issue.maximum} 项`;
      return `${f}不能超过 ${issue.maximum}`;
    case 'invalid_format':
      return name === 'clip'
        ? `${f}格式不正确（只能是小写字母、数字、下划线和连字符组成的 .ogg 文件名，不含文件夹）`
        : `${f}格式不正确（只能用小写字母、数字、下划线和点）`;
    case 'invalid_value':
      return `${f}取值无效，应为：${issue.values.map(String).join('、')}`;
    case 'unrecognized_keys':
      return `${turn}未知字段：${issue.keys.join('、')}`;
    case 'custom':
      return `${f}含有不可见的控制字符或换行`;
    default:
      return `${f}无效：${issue.message}`;
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
