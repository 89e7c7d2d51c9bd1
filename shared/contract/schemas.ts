import { z } from 'zod';
import { CallbackType } from '../domain/callback-types';

// Every edge validates with these schemas, and what they refuse reaches people (an agent at the seat, an
// administrator reading head office's quarantine): in Chinese.
z.config(z.locales.zhCN());

/** Entity ids are UUIDs (v7 where the seat makes them, so they sort by creation). */
export const Id = z.uuid();
/** Instants cross the contract as ISO-8601 strings; the store keeps them in UTC (`…Z`). */
/**
 * An instant as ISO 8601 with its offset, in sane bounds (years 1900–2999): both stores and PostgreSQL take
 * every such one (PostgreSQL has no year 0; a year of six digits is no callback's).
 */
export const Instant = z.iso
  .datetime({ offset: true })
  .refine((t) => /^(19|2\d)\d\d-/.test(t), { message: '日期超出范围（应在 1900–2999 年之间）' });

export const Role = z.enum(['agent', 'reviewer', 'supervisor', 'compliance', 'admin']);
export type Role = z.infer<typeof Role>;

/** The logged-in agent of one window or browser tab. */
export const SessionInfo = z.object({
  agentId: Id,
  agentCode: z.string(),
  name: z.string(),
  role: Role,
  /** Null for head-office roles, which belong to no branch. */
  branchId: z.string().nullable(),
  seatId: Id,
  /**
   * Whether this login also holds a session at head office (supervising roles, when it was reachable): the
   * supervisor workspace works only then. An agent works on the seat alone, online or not.
   */
  online: z.boolean(),
  /** Whether the user is one of this seat's own (known to it, so they can work its tasks offline too). */
  local: z.boolean(),
});
export type SessionInfo = z.infer<typeof SessionInfo>;

export const SeatInfo = z.object({
  seatId: Id,
  branchId: z.string(),
  branchName: z.string(),
  /** The store's schema version (the last migration applied). */
  schemaVersion: z.number().int(),
  appVersion: z.string(),
  /** `npm start`'s demo: the login screen says that the demo's accounts share the published demo password. */
  demo: z.boolean(),
  /** The language the seat was last used in: the login screen's (each agent's own applies after login). */
  language: z.enum(['zh-CN', 'en']),
});
export type SeatInfo = z.infer<typeof SeatInfo>;

export const Salesperson = z.object({ id: Id, code: z.string(), name: z.string(), departed: z.boolean() });
export type Salesperson = z.infer<typeof Salesperson>;

/** A customer as lists and task views show it: ID number and phone masked. */
export const CustomerMasked = z.object({
  id: Id,
  name: z.string(),
  idNumberMasked: z.string(),
  phoneMasked: z.string(),
  branchId: z.string(),
  openedAt: Instant.nullable(),
  channel: z.enum(['counter', 'nonsite']).nullable(),
  margin: z.boolean(),
  salesperson: Salesperson.nullable(),
});
export type CustomerMasked = z.infer<typeof CustomerMasked>;

export const TaskStatus = z.enum(['open', 'closed']);
export type TaskStatus = z.infer<typeof TaskStatus>;

/** One reason to call: a task carries one or more for the same customer (一事一扰). */
export const Purpose = z.object({
  type: CallbackType,
  deadlineAt: Instant,
  /** Why HQ created it, e.g. the feed entry; free text, no personal data. */
  reason: z.string(),
  salesperson: Salesperson.nullable(),
});
export type Purpose = z.infer<typeof Purpose>;

export const WorklistItem = z.object({
  taskId: Id,
  customerId: Id,
  customerName: z.string(),
  phoneMasked: z.string(),
  purposes: z.array(CallbackType).min(1),
  /** The earliest deadline of the task's purposes. */
  deadlineAt: Instant,
  nextAttemptAt: Instant.nullable(),
  /** The latest real dial (not the training line's); null before the first. */
  lastAttemptAt: Instant.nullable(),
  attempts: z.number().int().nonnegative(),
});
export type WorklistItem = z.infer<typeof WorklistItem>;

/**
 * The worklist's order: by deadline (the default), the customer's name, the first callback type (in
 * CALLBACK_TYPES order) or the last dial (never dialled first); ties by deadline, then task id.
 */
export const WorklistSort = z.enum(['deadline', 'customer', 'type', 'lastAttempt']);
export type WorklistSort = z.infer<typeof WorklistSort>;

/** How a dial ended; `interrupted` when the seat stopped (crash, power) before it could tell. */
export const AttemptOutcome = z.enum([
  'answered',
  'busy',
  'no_answer',
  'invalid_number',
  'declined',
  'failed',
  'interrupted',
]);
export type AttemptOutcome = z.infer<typeof AttemptOutcome>;

export const Attempt = z.object({
  id: Id,
  taskId: Id,
  agentId: Id,
  startedAt: Instant,
  answeredAt: Instant.nullable(),
  endedAt: Instant.nullable(),
  /** Null while the call is still going on. */
  outcome: AttemptOutcome.nullable(),
  sipCode: z.number().int().nullable(),
  /** The recording of an answered call, once it is closed. */
  recordingId: Id.nullable(),
  /** Placed on the training line (a simulated customer): practice, not a callback attempt. */
  training: z.boolean(),
});
export type Attempt = z.infer<typeof Attempt>;

/**
 * What a result means for its task: `retry` keeps it open until `retryAt`; the others close it.
 * `identity_not_verified` ends a call in which nothing else may be asked.
 */
export const ResultOutcome = z.enum([
  'completed',
  'identity_not_verified',
  'refused',
  'unreachable',
  'retry',
]);
export type ResultOutcome = z.infer<typeof ResultOutcome>;

/** What happened on the call, as the agent records it at wrap-up. */
export const Disposition = z.enum([
  'connected',
  'no_answer',
  'busy',
  'wrong_person',
  'invalid_number',
  'declined',
  'call_back_later',
]);
export type Disposition = z.infer<typeof Disposition>;

/** Control characters other than tab and line breaks: nothing a person types, and a NUL no database stores. */
export function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f) return true;
  }
  return false;
}

/** The text with each control character but tab and line breaks written as its escape (`\u0000`). */
export function escapeControl(text: string): string {
  if (!hasControl(text)) return text;
  let out = '';
  for (const ch of text) {
    const c = ch.charCodeAt(0);
    const control = (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f;
    out += control ? `\\u${c.toString(16).padStart(4, '0')}` : ch;
  }
  return out;
}

/** Text a person typed or chose: at most `max` characters, no control characters but tab and line breaks. */
export const PlainText = (max: number) =>
  z
    .string()
    .max(max)
    .refine((t) => !hasControl(t), { message: '内容含有不可见的控制字符，请删除后重试' });

// ---- a customer's contact wishes (免打扰, 偏好时段): shared/domain/preferred-times.ts reads them ----

const ClockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, '时间格式应为 HH:MM');

/**
 * One window in which the customer prefers to be called, China time. `end` before `start` runs past
 * midnight (22:00–01:00; 22:00–00:00 is until midnight). `weekdays` (1 = 周一 … 7 = 周日) are the days the
 * window starts on; null: every day.
 */
export const PreferredWindow = z
  .object({
    start: ClockTime,
    end: ClockTime,
    weekdays: z.array(z.number().int().min(1).max(7)).min(1).max(7).nullable().default(null),
  })
  .refine((w) => w.start !== w.end, '偏好时段的开始和结束时间不能相同');
export type PreferredWindow = z.infer<typeof PreferredWindow>;
export const PREFERRED_WINDOWS_MAX = 4;
export const PreferredTimes = z
  .array(PreferredWindow)
  .max(PREFERRED_WINDOWS_MAX, `偏好时段最多 ${PREFERRED_WINDOWS_MAX} 段`);

/** A customer who must not be called (免打扰): registered by head office (a feed) or by an agent, with why. */
export const DoNotCall = z.object({
  source: z.enum(['hq', 'agent']),
  reason: PlainText(200).min(1),
  /** Who registered it, as people read it (an agent's name and code, or head office's import). */
  by: PlainText(100),
  at: Instant,
});
export type DoNotCall = z.infer<typeof DoNotCall>;

export const CustomerContact = z.object({
  doNotCall: DoNotCall.nullable(),
  preferredTimes: PreferredTimes,
});
export type CustomerContact = z.infer<typeof CustomerContact>;

/** Characters (not counting spaces) of the reason an agent gives for a change of a customer's contact wishes. */
export const CONTACT_REASON_MIN = 4;

/** How the worklist's search box is read: a customer's name (or its start), a full mobile or ID number. */
export type CustomerSearchKind = 'name' | 'phone' | 'idNumber';

/**
 * What was typed into the worklist's search, decided by its shape: 18 characters of an ID number (the last
 * may be X), 11 digits of a mainland mobile (spaces and hyphens ignored), anything else without digits a
 * name. Digits that make neither are null: a part of a number finds nobody, so that numbers cannot be
 * guessed digit by digit.
 */
export function customerSearch(text: string): { kind: CustomerSearchKind; value: string } | null {
  const typed = text.trim();
  const compact = typed.replace(/[\s-]/g, '').toUpperCase();
  if (/^\d{17}[\dX]$/.test(compact)) return { kind: 'idNumber', value: compact };
  if (/^1\d{10}$/.test(compact)) return { kind: 'phone', value: compact };
  if (/\d/.test(typed)) return null;
  return { kind: 'name', value: typed };
}

/** The worklist's search: one customer by name (its start), full mobile or full ID number. */
export const WorklistSearch = PlainText(40)
  .transform((t) => t.trim())
  .pipe(
    z
      .string()
      .min(1, '请输入客户姓名、完整的手机号或身份证号')
      .refine((t) => customerSearch(t) !== null, {
        message: '按号码查找须输入完整的 11 位手机号或 18 位身份证号',
      }),
  );

/** Milliseconds into a recording: within a 32-bit integer, as both stores keep it. */
export const OffsetMs = z.number().int().nonnegative().max(2_147_483_647);

/** A JSON value as an answer holds it (yes/no, choice ids, text, number, date). */
export const AnswerValue = z.union([
  z.boolean(),
  z.number().min(-1e12).max(1e12),
  PlainText(2000),
  z.array(PlainText(200)).max(50),
  z.null(),
]);
export type AnswerValue = z.infer<typeof AnswerValue>;

export const Answer = z.object({
  stepId: z.string().min(1).max(100),
  /** The purposes the step was asked for (a shared question serves several). */
  purposes: z.array(CallbackType).min(1),
  value: AnswerValue,
  answeredAt: Instant,
  /** The recording the offset refers to, so QA can jump to the moment. */
  recordingId: Id,
  recordingOffsetMs: OffsetMs,
});
export type Answer = z.infer<typeof Answer>;

export const ResultSummary = z.object({
  id: Id,
  taskId: Id,
  agentId: Id,
  outcome: ResultOutcome,
  disposition: Disposition,
  notes: z.string(),
  retryAt: Instant.nullable(),
  createdAt: Instant,
  supersedesId: Id.nullable(),
  /** True when a later result supersedes this one. */
  superseded: z.boolean(),
});
export type ResultSummary = z.infer<typeof ResultSummary>;

/**
 * The customer's earlier callbacks as the task view's 客户回访记录 lists them: the customer's other tasks this
 * seat holds (open or closed; head office sends a seat no results of other seats), newest first, each with
 * its real results (never the training line's), the findings they raised and its recordings. A recording is
 * `playable` by the rule of `recording.read` (the agent's own calls only); the others are listed, not played.
 * Personal data stays masked: nothing here but what the task view already shows of the customer.
 */
export const CUSTOMER_HISTORY_LIMITS = { tasks: 20, results: 10, findings: 20, recordings: 10 } as const;

export const CustomerHistoryFinding = z.object({
  id: z.string().max(64),
  category: z.string().max(100),
  severity: z.enum(['low', 'medium', 'high']),
  /** The script's text of the finding (no personal data). */
  text: z.string().max(500),
});
export type CustomerHistoryFinding = z.infer<typeof CustomerHistoryFinding>;

export const CustomerHistoryResult = z.object({
  id: Id,
  outcome: ResultOutcome,
  disposition: Disposition,
  createdAt: Instant,
  agentName: z.string().max(100).nullable(),
  superseded: z.boolean(),
  findings: z.array(CustomerHistoryFinding).max(CUSTOMER_HISTORY_LIMITS.findings),
});
export type CustomerHistoryResult = z.infer<typeof CustomerHistoryResult>;

export const CustomerHistoryRecording = z.object({
  id: Id,
  startedAt: Instant,
  durationMs: z.number().int().nonnegative().nullable(),
  agentName: z.string().max(100).nullable(),
  /** The agent may play it here (`recording.read`: their own calls); others ask a supervisor. */
  playable: z.boolean(),
});
export type CustomerHistoryRecording = z.infer<typeof CustomerHistoryRecording>;

export const CustomerHistoryTask = z.object({
  taskId: Id,
  status: TaskStatus,
  createdAt: Instant,
  deadlineAt: Instant,
  purposes: z.array(CallbackType).min(1).max(9),
  attempts: z.number().int().nonnegative(),
  lastAttemptAt: Instant.nullable(),
  results: z.array(CustomerHistoryResult).max(CUSTOMER_HISTORY_LIMITS.results),
  recordings: z.array(CustomerHistoryRecording).max(CUSTOMER_HISTORY_LIMITS.recordings),
});
export type CustomerHistoryTask = z.infer<typeof CustomerHistoryTask>;

export const CustomerHistory = z.object({
  items: z.array(CustomerHistoryTask).max(CUSTOMER_HISTORY_LIMITS.tasks),
  /** Older tasks of the customer beyond those listed. */
  more: z.number().int().nonnegative(),
});
export type CustomerHistory = z.infer<typeof CustomerHistory>;

export const TaskDetail = z.object({
  taskId: Id,
  status: TaskStatus,
  deadlineAt: Instant,
  nextAttemptAt: Instant.nullable(),
  customer: CustomerMasked,
  /** The customer's 免打扰 and 偏好时段, enforced by `call.start`. */
  contact: CustomerContact.default({ doNotCall: null, preferredTimes: [] }),
  purposes: z.array(Purpose).min(1),
  attempts: z.array(Attempt),
  results: z.array(ResultSummary),
  /** The customer's other tasks at this seat, with their results and recordings (客户回访记录). */
  customerHistory: CustomerHistory,
});
export type TaskDetail = z.infer<typeof TaskDetail>;

export const RevealField = z.enum(['idNumber', 'phone']);
export type RevealField = z.infer<typeof RevealField>;

/**
 * The agent's wrap-up of a task. The answers, findings, purpose outcomes and script versions are not sent:
 * the seat takes them from the task's script draft it has kept answer by answer (`script.answer`), so what
 * is committed is exactly what was asked and recorded. `completed` and `identity_not_verified` need the
 * script at its end with that outcome; the other outcomes keep whatever was answered before the call ended.
 */
export const CommitResultArgs = z
  .object({
    /** Made by the caller, so a retried commit (after a crash or a lost reply) is applied once. */
    id: Id,
    taskId: Id,
    attemptId: Id.nullable(),
    outcome: ResultOutcome,
    disposition: Disposition,
    notes: PlainText(2000),
    retryAt: Instant.nullable(),
    /** A correction names the result it supersedes; the earlier one stays as it was. */
    supersedesId: Id.nullable(),
  })
  .refine((r) => (r.outcome === 'retry') === (r.retryAt !== null), {
    message: '仅"稍后重拨"需要填写重拨时间',
    path: ['retryAt'],
  });
export type CommitResultArgs = z.infer<typeof CommitResultArgs>;

export const CommitResultValue = z.object({
  resultId: Id,
  /** The outbox sequence number that will carry the result to head office. */
  outboxSeq: z.number().int().positive(),
  taskStatus: TaskStatus,
});
export type CommitResultValue = z.infer<typeof CommitResultValue>;

/** One entry of the audit trail: who did what to which record, never a personal value. */
export const AuditEntry = z.object({
  id: Id,
  at: Instant,
  agentId: Id.nullable(),
  agentName: z.string().nullable(),
  action: z.string(),
  entityType: z.string(),
  entityId: z.string(),
  detail: z.record(z.string(), z.unknown()),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const RecordingStatus = z.enum(['finished', 'interrupted']);
export type RecordingStatus = z.infer<typeof RecordingStatus>;

/** A closed recording as the agent's history lists it. */
export const RecordingSummary = z.object({
  id: Id,
  attemptId: Id,
  taskId: Id,
  customerName: z.string(),
  startedAt: Instant,
  durationMs: z.number().int().nonnegative().nullable(),
  sizeBytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  status: RecordingStatus,
  /** Recorded on the training line (a simulated customer): practice, not evidence. */
  training: z.boolean(),
});
export type RecordingSummary = z.infer<typeof RecordingSummary>;

/** Base64 of at most 1 MiB of recording bytes (a one-second Opus chunk is a few kilobytes). */
export const Base64Chunk = z
  .string()
  .max(1_400_000)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, '录音数据格式不正确');

/** One of the agent's results of today, for their history. */
export const HistoryItem = z.object({
  resultId: Id,
  taskId: Id,
  customerName: z.string(),
  purposes: z.array(CallbackType),
  outcome: ResultOutcome,
  disposition: Disposition,
  createdAt: Instant,
  /** Talk time of the result's call (answer to hang-up); null without an answered call. */
  talkMs: z.number().int().nonnegative().nullable(),
  recordingId: Id.nullable(),
  findings: z.number().int().nonnegative(),
  /** A practice call's result (training line): the task stays open for the real callback. */
  training: z.boolean(),
});
export type HistoryItem = z.infer<typeof HistoryItem>;

/**
 * Sync with head office as the status bar shows it: `online` (all sent), `syncing`, `offline` (head office
 * unreachable; the seat keeps working and catches up), or `not_configured` (not enrolled yet).
 */
export const SyncStatus = z.object({
  state: z.enum(['not_configured', 'online', 'syncing', 'offline']),
  /** Outbox entries head office has not acknowledged. */
  pending: z.number().int().nonnegative(),
  /** Recordings not yet confirmed stored at head office. */
  uploads: z.number().int().nonnegative(),
  lastError: z.string().nullable(),
  /** What the agent should know, e.g. that entries were numbered again after the seat was restored from a backup. */
  notice: z.string().max(500).nullable(),
  lastSyncAt: Instant.nullable(),
  /** Entries head office could not accept and keeps in its quarantine (see `sync.refused`). */
  refused: z.number().int().nonnegative(),
  /** This seat's clock minus head office's (ms) at the last round; null before one. */
  clockOffsetMs: z.number().int().nullable(),
  /**
   * Head office no longer accepts this seat's token (an administrator revoked it): sync stopped, the outbox
   * waits, and a supervisor may enrol the seat again (`sync.enrol`).
   */
  tokenRefused: z.boolean().optional(),
  /**
   * SHA-256 of head office's public key (base64) pinned at enrolment: every connection must present it. Absent
   * when not enrolled, or enrolled over plain HTTP to this computer.
   */
  hqPin: z.string().max(100).optional(),
  /**
   * Head office presented another key than the pinned one: sync stopped before sending anything; once an
   * administrator has checked the new key, a supervisor may enrol the seat again (`sync.enrol`).
   */
  pinMismatch: z.boolean().optional(),
});
export type SyncStatus = z.infer<typeof SyncStatus>;

/** An outbox entry head office quarantined, as the seat shows it under 总部同步. */
export const RefusedSyncEntry = z.object({
  seq: z.number().int().positive(),
  kind: z.string(),
  entityId: z.string(),
  createdAt: z.string(),
  status: z.number().int(),
  code: z.string(),
  message: z.string(),
  refusedAt: z.string(),
});
export type RefusedSyncEntry = z.infer<typeof RefusedSyncEntry>;

/**
 * The agent's working state at this seat (issue 16, point 1): 就绪 ready for the next callback, 通话中 on a
 * call, 话后处理 after-call work (from a call's end to the result's commit, or its configured limit), 小休 a
 * break with one of the branch's reasons, 离线 not logged in. Set by the agent (ready, break) and by the call
 * flow (the rest); every change is audited (`agent.state`).
 */
export const AgentState = z.enum(['ready', 'on_call', 'wrap_up', 'break', 'offline']);
export type AgentState = z.infer<typeof AgentState>;

export const AgentStatus = z.object({
  state: AgentState,
  /** The break's reason (one of `agent.breakReasons`); null in every other state. */
  reason: PlainText(16).nullable(),
  since: Instant,
  /** After-call work ends by itself at this moment (null: no limit, or not in after-call work). */
  wrapUpUntil: Instant.nullable(),
  /** The branch's break reasons, for the state menu. */
  breakReasons: z.array(PlainText(16)).max(12),
});
export type AgentStatus = z.infer<typeof AgentStatus>;

/**
 * A 约定回拨: the customer asked to be called back at `at` (a real result with the disposition
 * `call_back_later`); the agent's own, standing until the task is dialled or has a newer result.
 */
export const Appointment = z.object({
  taskId: Id,
  at: Instant,
  customerName: PlainText(64),
  /** The time has come (the seat's clock). */
  due: z.boolean(),
});
export type Appointment = z.infer<typeof Appointment>;
