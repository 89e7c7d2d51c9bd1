import type { z } from 'zod';
import type { SettingKey } from './settings';

/**
 * What a refused request says to the person who made it. The contract's field names (`phone`, `notes`,
 * `value`) are the program's, not theirs: a refusal names the field as the screen does (手机号, 备注, the
 * setting's own label), or says the problem without naming it. Never the internal name.
 */

/** The contract's field names as people know them (the screens' own words). */
export const FIELD_LABELS: Readonly<Record<string, string>> = {
  about: '问题涉及对象',
  action: '操作',
  after: '翻页位置',
  agentCode: '工号',
  agentId: '坐席人员',
  answeredAt: '接通时间',
  assigneeId: '处理人',
  atMs: '录音时间点',
  before: '翻页位置',
  branchId: '营业部',
  caCertPem: 'CA 证书',
  clip: '录音片段',
  code: '工号',
  comment: '评语',
  comments: '评语',
  credential: '密码',
  criterionId: '评分项',
  customerId: '客户',
  data: '录音数据',
  deadlineAt: '截止时间',
  disposition: '通话情况',
  durationMs: '时长',
  end: '结束时间',
  endedAt: '结束时间',
  field: '查看项',
  findingId: '问题',
  findingsOnly: '只看有问题的',
  followUp: '跟进',
  formId: '评分表',
  formVersion: '评分表版本',
  format: '导出格式',
  from: '开始日期',
  hqUrl: '总部地址',
  id: '编号',
  idNumber: '身份证号',
  items: '评分项',
  key: '设置项',
  kind: '线路',
  label: '标记',
  length: '读取长度',
  limit: '每页条数',
  line: '线路',
  mimeType: '录音格式',
  mine: '只看我的',
  name: '名称',
  newPassword: '新密码',
  note: '备注',
  notes: '备注',
  offset: '读取位置',
  offsetMs: '录音时间点',
  outcome: '回访结果',
  passed: '是否通过',
  password: '密码',
  period: '周期',
  periodKey: '周期',
  personaId: '演练客户',
  phone: '手机号',
  reason: '原因',
  recheckId: '复核任务',
  recordingId: '录音',
  resultId: '回访结果',
  retryAt: '重拨时间',
  salespersonId: '营销人员',
  scope: '范围',
  search: '查找内容',
  section: '报表部分',
  seq: '录音分段序号',
  severity: '严重程度',
  share: '抽检比例',
  sipCode: 'SIP 状态码',
  start: '开始时间',
  status: '状态',
  stepId: '脚本步骤',
  summary: '总评',
  supersedesId: '被更正的结果',
  taskId: '任务',
  text: '内容',
  textZh: '问题描述',
  to: '结束日期',
  type: '回访类型',
  types: '回访类型',
  urls: '服务器地址',
  username: '用户名',
  value: '回答',
};

/** A setting by the label the settings screen gives it: what `value` of `settings.set` is called. */
export const SETTING_LABELS: Readonly<Record<SettingKey, string>> = {
  'ui.language': '界面语言',
  'calling.window': '可拨打时段',
  'retry.maxAttempts': '最多拨打次数',
  'recordings.retentionDays': '录音在本机保留天数',
  'sip.wsUrl': 'SIP 服务器地址',
  'sip.uri': 'SIP 地址',
  'sip.authUser': '认证用户名',
  'sip.password': '认证密码',
  'sip.displayName': '显示名称',
  'sip.iceServers': 'ICE 服务器',
  'sip.iceGatheringTimeoutMs': 'ICE 收集超时（毫秒）',
  'sip.ringTimeoutSec': '振铃超时（秒）',
  'sip.deadCallSec': '无媒体自动挂断（秒）',
  'agent.breakReasons': '小休原因',
  'agent.afterCallWorkSec': '话后处理时限（秒）',
  'dial.previewSec': '预览拨号倒计时（秒）',
  'dial.autoNext': '自动下一个',
  'sip.silenceWarnSec': '客户无声提醒（秒）',
  'dial.outsidePrefix': '外线前缀',
  'dial.prefixMobiles': '手机号也加外线前缀',
  'training.enabled': '演练线路',
  'audio.echoCancellation': '回声消除',
  'audio.noiseSuppression': '降噪',
  'audio.autoGainControl': '自动增益',
  'audio.inputDeviceId': '麦克风',
  'audio.outputDeviceId': '耳机 / 扬声器',
};

/** Where the same name means another thing in one method. */
const METHOD_LABELS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'review.unlock': { key: '锁定记录' },
  'sync.enrol': { name: '坐席名称', code: '工号' },
};

/**
 * Parse options that leave a schema's own message (a `refine`'s, a regex's) as it is and every message zod
 * would make up empty: `describeIssue` says those in its own words. Use them wherever a refusal reaches people.
 */
export const PLAIN_MESSAGES = { error: () => '' } as const;

const TYPES: Readonly<Record<string, string>> = {
  string: '文字',
  number: '数字',
  int: '整数',
  boolean: '是或否',
  array: '列表',
  object: '一组内容',
};

const count = (n: number | bigint) => Number(n).toLocaleString('en-US');

export interface IssueContext {
  /** The method whose arguments were refused. */
  method?: string;
  /** The arguments as given (for `settings.set`, `key` names what `value` is). */
  args?: unknown;
}

/** The field an issue is about, as people know it; null when it has no name they would know. */
export function fieldLabel(path: readonly PropertyKey[], context: IssueContext = {}): string | null {
  const own = context.method ? METHOD_LABELS[context.method] : undefined;
  const key = (context.args as { key?: unknown } | null | undefined)?.key;
  const parts: string[] = [];
  let rest = path;
  if (path[0] === 'value' && context.method === 'settings.set' && typeof key === 'string') {
    const setting = SETTING_LABELS[key as SettingKey];
    if (!setting) return null;
    parts.push(setting);
    rest = path.slice(1);
  }
  for (const segment of rest) {
    if (typeof segment === 'number') {
      if (parts.length > 0) parts.push(`第 ${segment + 1} 项`);
      continue;
    }
    const name = typeof segment === 'string' ? (own?.[segment] ?? FIELD_LABELS[segment]) : undefined;
    // An unknown name is never shown; what it belongs to still is.
    if (name === undefined) return parts.length > 0 ? join(parts) : null;
    parts.push(name);
  }
  return parts.length > 0 ? join(parts) : null;
}

/** 「可拨打时段」「第 1 项」「开始时间」 → 可拨打时段第 1 项的开始时间. */
const join = (parts: string[]) =>
  parts.reduce((out, p, i) => (i === 0 ? p : p.startsWith('第 ') ? `${out}${p}` : `${out}的${p}`), '');

/** A union's branches refused the value: the branch that said why in its own words speaks for it. */
function innermost(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== 'invalid_union') return issue;
  const said = issue.errors
    .flat()
    .map((inner) => innermost({ ...inner, path: [...issue.path, ...inner.path] } as z.core.$ZodIssue))
    .find((inner) => inner.message !== '');
  return said ?? issue;
}

/**
 * One refusal as a sentence for the person who caused it: the field by its label and what is wrong with it,
 * in Chinese. A schema's own message (which names the field itself, e.g. 手机号须为完整的 11 位) is kept.
 * Issues whose zod-made messages were not emptied by PLAIN_MESSAGES are said in these words all the same.
 */
export function describeIssue(raw: z.core.$ZodIssue | undefined, context: IssueContext = {}): string {
  if (!raw) return '请求格式不正确';
  const issue = innermost(raw);
  const label = fieldLabel(issue.path, context);
  const own = ownMessage(issue);
  if (own !== null) {
    if (label === null) return `请求格式不正确（${own}）`;
    return own.includes(label) ? own : `${label}：${own}`;
  }
  if (issue.code === 'unrecognized_keys') {
    return label ? `${label}中含有不支持的内容` : '请求格式不正确（含有不支持的内容）';
  }
  if (label === null) return '请求格式不正确';
  switch (issue.code) {
    case 'invalid_type':
      if (valueAt(context.args, issue.path) === undefined) return `请填写${label}`;
      return `${label}应为${TYPES[issue.expected] ?? '有效的值'}`;
    case 'too_small':
      if (issue.origin === 'string') {
        return Number(issue.minimum) <= 1
          ? `请填写${label}`
          : `${label}至少需要 ${count(issue.minimum)} 个字`;
      }
      if (issue.origin === 'array' || issue.origin === 'set')
        return `${label}至少需要 ${count(issue.minimum)} 项`;
      return `${label}不能小于 ${count(issue.minimum)}`;
    case 'too_big':
      if (issue.origin === 'string') return `${label}不能超过 ${count(issue.maximum)} 个字`;
      if (issue.origin === 'array' || issue.origin === 'set')
        return `${label}最多 ${count(issue.maximum)} 项`;
      return `${label}不能大于 ${count(issue.maximum)}`;
    case 'invalid_format':
      return `${label}格式不正确`;
    case 'invalid_value':
      return `${label}不是可选的值`;
    default:
      return `${label}无效`;
  }
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let at = value;
  for (const key of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return at;
}

/** The first problem of a failed parse, for people. */
export const describeError = (error: z.ZodError, context: IssueContext = {}): string =>
  describeIssue(error.issues[0], context);

/**
 * The schema's own words for the issue, or null when zod made them up (emptied by PLAIN_MESSAGES, or zod's
 * locale sentences, recognised by how they start: 无效输入：期望 int，实际接收 数字 is nobody's language).
 */
function ownMessage(issue: z.core.$ZodIssue): string | null {
  const message = issue.message.trim();
  if (message === '' || ZOD_LOCALE.test(message)) return null;
  return message;
}

const ZOD_LOCALE =
  /^(无效输入|无效选项|数值过大|数值过小|无效|出现未知的键|无效字符串|数字必须|无效对象|Invalid|Too |Unrecognized)/;
