import { z } from 'zod';
import { CallbackType } from '../domain/callback-types';
import { EngineState } from '../scripts/engine';
import { ClipName } from '../training/persona';
import type { METHOD_NAMES } from './names';
import {
  EvaluateArgs,
  EvaluationForm,
  EvaluationResult,
  ExportArgs,
  FindingActArgs,
  FindingsArgs,
  FindingsPage,
  LegalHoldRequest,
  RaiseFinding,
  RecheckArgs,
  RecheckList,
  RecheckPlan,
  RecordingRetention,
  Report,
  ReportArgs,
  ReviewDownload,
  ReviewPage,
  ReviewPlayback,
  ReviewResult,
  ReviewSearchArgs,
  SampleReport,
  SampleRequest,
  SavedFile,
  StaffList,
  Watch,
  WatchQuery,
} from './review';
import {
  AgentStatus,
  AnswerValue,
  Appointment,
  AttemptOutcome,
  AuditEntry,
  Base64Chunk,
  CommitResultArgs,
  CommitResultValue,
  CustomerContact,
  HistoryItem,
  Id,
  Instant,
  OffsetMs,
  PlainText,
  PreferredTimes,
  RecordingSummary,
  RefusedSyncEntry,
  RevealField,
  SeatInfo,
  SessionInfo,
  SyncStatus,
  TaskDetail,
  WorklistItem,
  WorklistSearch,
  WorklistSort,
} from './schemas';
import { PhoneCredentials, SetSettingArgs, SettingKey, Settings } from './settings';
import { CallLine, TrainingClip, TrainingLineInfo, TrainingPage, TrainingQuery } from './training';

/**
 * Who may call a method: anyone on the connection, a logged-in agent (any role), or a logged-in supervisor,
 * reviewer, compliance officer or administrator (`review`: the supervisor workspace, online against head office).
 */
export type Access = 'public' | 'agent' | 'review';

export interface MethodSpec<A extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  readonly access: Access;
  readonly args: A;
  readonly result: R;
}

/** A login locked or held back, at this seat (`seat`) or at head office (`hq`). */
export const LoginLock = z.object({
  scope: z.enum(['seat', 'hq']),
  /** What `review.unlock` takes: the agent's id at the seat, head office's throttle key there. */
  key: z.string().max(200),
  userCode: z.string().max(32).nullable(),
  userName: z.string().max(100).nullable(),
  failures: z.number().int().nonnegative(),
  /** Locked until an administrator lifts it (head office) — or until `until` (a wait, or the seat's lockout). */
  locked: z.boolean(),
  until: z.iso.datetime({ offset: true }).nullable(),
});
export type LoginLock = z.infer<typeof LoginLock>;

/** A task's script in progress. `answered` counts the answers saved. */
export const ScriptDraft = z.object({
  taskId: Id,
  state: EngineState,
  answered: z.number().int().nonnegative(),
  /** The wrap-up notes typed so far (`script.notes`). */
  notes: z.string().max(2000),
});
export type ScriptDraft = z.infer<typeof ScriptDraft>;

const method = <A extends z.ZodType, R extends z.ZodType>(access: Access, args: A, result: R) =>
  ({ access, args, result }) satisfies MethodSpec<A, R>;

const Empty = z.object({}).strict();

/**
 * Every method the renderer may call on the seat. This map is the only way in: the Electron IPC binding, the
 * WebSocket binding and the in-process test binding all go through `createDispatcher`, which validates the
 * arguments from `unknown` against `args` and the handler's value against `result`.
 */
export const METHODS = {
  /** The seat's identity and schema version; shown in the status bar and on the login screen. */
  'seat.info': method('public', Empty, SeatInfo),

  /**
   * Log an agent in on this connection. Wrong code or password → `WRONG_CREDENTIALS`; after 5 failures in a
   * row the agent is locked for 15 minutes → `LOCKED_OUT`. Both outcomes are audited.
   */
  'session.login': method(
    'public',
    z.object({ agentCode: z.string().trim().min(1).max(32), password: z.string().min(1).max(200) }).strict(),
    SessionInfo,
  ),
  /** End the session of this connection. */
  'session.logout': method('agent', Empty, z.object({})),
  /** The agent logged in on this connection, or null. */
  'session.current': method('public', Empty, SessionInfo.nullable()),
  /**
   * A resume token for this connection's session (electron/seat/auth/resume.ts): the page keeps it in its
   * sessionStorage, and after a reload (a new connection) gives it to `session.resume`. Issuing another
   * revokes the one before; a logout, an expired session and a new login revoke it.
   */
  'session.resumeToken': method('agent', Empty, z.object({ resumeToken: z.string() })),
  /**
   * The session of a reloaded page, re-attached to this connection (taken from the old one), with a fresh
   * token: each token works once, while the seat process lives and up to 2 minutes after its page closed.
   * Refused (`NOT_AUTHENTICATED`, `LOCKED_OUT`) after a logout, after that time, for a used or unknown token
   * and for an agent locked or removed meanwhile. Audited as `session.resumed`.
   */
  'session.resume': method(
    'public',
    z.object({ resumeToken: z.string().min(1).max(64) }).strict(),
    z.object({ session: SessionInfo, resumeToken: z.string() }),
  ),
  /**
   * Change one's head-office password, proving the old one (a login that answered PASSWORD_CHANGE_REQUIRED
   * goes on here). Head office judges the new one and throttles as at login.
   */
  'session.changePassword': method(
    'public',
    z
      .object({
        agentCode: z.string().trim().min(1).max(32),
        password: z.string().min(1).max(200),
        newPassword: z.string().min(1).max(200),
      })
      .strict(),
    z.object({}),
  ),

  /**
   * Open tasks the agent may work, earliest deadline first (ties by task id) or in `sort`'s order, masked.
   * Tasks of customers the agent introduced or serves as salesperson are never listed (recusal). Page with
   * `after`. With `search`, only the tasks of the customers it finds (a name or its start, a full mobile or
   * ID number), and the search is audited (`worklist.search`: how it searched and how many it found, never
   * what was typed).
   */
  'worklist.list': method(
    'agent',
    z
      .object({
        types: z.array(CallbackType).max(9).optional(),
        limit: z.number().int().min(1).max(500).default(100),
        after: z.object({ deadlineAt: Instant, taskId: Id }).strict().optional(),
        /** Only the tasks of customers found by this (schemas.ts `customerSearch`); audited. */
        search: WorklistSearch.optional(),
        /** The order (by deadline when left out); `after` is the last task of the page before, in it. */
        sort: WorklistSort.optional(),
      })
      .strict(),
    z.object({ items: z.array(WorklistItem), total: z.number().int().nonnegative() }),
  ),

  /** One task with its customer (masked), purposes, attempts and results. Recusal applies. */
  'task.get': method('agent', z.object({ taskId: Id }).strict(), TaskDetail),

  /**
   * The unmasked ID number or phone of a customer. Every call writes an audit entry (who, which field, which
   * task) before the value is returned, and the entry goes to head office with the next sync.
   */
  /**
   * Registers (`doNotCall: true`) or lifts the customer's 免打扰, with the reason (at least 4 characters). A
   * registration by head office is lifted by a supervisor only. Audited (`customer.doNotCall`) and sent to head
   * office; `call.start` refuses a dial of the customer while it stands.
   */
  'customer.setDoNotCall': method(
    'agent',
    z.object({ customerId: Id, doNotCall: z.boolean(), reason: PlainText(200) }).strict(),
    CustomerContact,
  ),
  /**
   * Sets the customer's 偏好时段 (China time; an empty list lifts them), with the reason. Audited
   * (`customer.preferredTimes`) and sent to head office; `call.start` refuses a dial outside them.
   */
  'customer.setPreferredTimes': method(
    'agent',
    z.object({ customerId: Id, preferredTimes: PreferredTimes, reason: PlainText(200) }).strict(),
    CustomerContact,
  ),

  'customer.reveal': method(
    'agent',
    z.object({ customerId: Id, field: RevealField, taskId: Id.nullable() }).strict(),
    z.object({ value: z.string() }),
  ),

  /**
   * Commit the outcome of a task: the result, its answers, an outbox entry for head office and an audit
   * entry, in one transaction. Repeating a commit with the same `id` and content returns the first commit's
   * value; the same `id` with other content is a `CONFLICT`.
   */
  'result.commit': method('agent', CommitResultArgs, CommitResultValue),
  /** The agent's results of today, newest first: outcome, talk time, recording. */
  'history.today': method('agent', Empty, z.object({ items: z.array(HistoryItem) })),
  /** The agent's standing 约定回拨, earliest first; `due` once their time has come. */
  'appointments.list': method('agent', Empty, z.object({ items: z.array(Appointment).max(50) })),
  /** The logged-in agent's working state (就绪 / 通话中 / 话后处理 / 小休), with the branch's break reasons. */
  'agent.state': method('agent', Empty, AgentStatus),
  /**
   * The agent sets themself ready or on a break (with one of the branch's reasons). Refused on a call; a
   * break ends after-call work (the wrap-up stays open). Audited as `agent.state`.
   */
  'agent.setState': method(
    'agent',
    z
      .object({
        state: z.enum(['ready', 'break']),
        reason: PlainText(16).trim().min(1).nullable().default(null),
      })
      .strict(),
    AgentStatus,
  ),

  /**
   * The task's callback script: the draft in progress (resumed at the step it was on, answers intact) or a
   * new one merged from the current scripts of the task's purposes (一事一扰). The state is the engine's
   * (shared/scripts/engine): the renderer shows it with the same pure functions the seat checks it with.
   */
  'script.open': method('agent', z.object({ taskId: Id }).strict(), ScriptDraft),
  /**
   * Answer the current step (`stepId` must be it), saved before the reply with the moment in the call's
   * recording, which must be in progress. The same answer again is a no-op (a retried call).
   */
  'script.answer': method(
    'agent',
    z
      .object({
        taskId: Id,
        stepId: z.string().min(1).max(100),
        value: AnswerValue,
        recordingId: Id,
        offsetMs: OffsetMs,
      })
      .strict(),
    ScriptDraft,
  ),
  /** Back one step: its answer is withdrawn and asked again. */
  'script.back': method('agent', z.object({ taskId: Id }).strict(), ScriptDraft),
  /** The wrap-up notes as they are being typed, kept with the draft until the result is committed. */
  'script.notes': method('agent', z.object({ taskId: Id, notes: PlainText(2000) }).strict(), z.object({})),

  /**
   * The newest audit entries of this seat, newest first. An agent sees their own; a supervisor, compliance
   * officer or administrator sees everyone's. Page with `before` (an entry id).
   */
  'audit.list': method(
    'agent',
    z.object({ limit: z.number().int().min(1).max(200).default(50), before: Id.optional() }).strict(),
    z.object({ items: z.array(AuditEntry) }),
  ),

  /**
   * Begin a dial: records the attempt (a fact from now on, whatever happens next) and returns the SIP target
   * to call. The target carries the customer's full number for the phone only: the UI shows `numberMasked`.
   * Audited as `call.dial`. Refused when the SIP account is not configured. On the training line (`line`
   * `training`, when the seat allows it) the attempt names the persona who answers, `target` is '' (no number
   * is dialled) and the attempt, its recording and its result are training, never evidence.
   */
  'call.start': method(
    'agent',
    z.object({ attemptId: Id, taskId: Id, line: CallLine.default({ kind: 'pbx' }) }).strict(),
    z.object({ attemptId: Id, target: z.string(), numberMasked: z.string(), training: z.boolean() }),
  ),
  /** The training line: whether this seat may use it, whether a PBX is configured, and the personas. */
  'training.personas': method('agent', Empty, TrainingLineInfo),
  /** One persona's voice clip (a small Ogg Opus file), for the training phone to decode. */
  'training.clip': method('agent', z.object({ clip: ClipName }).strict(), TrainingClip),
  /** How the dial ended (outcome mapped from SIP by the phone); once per attempt. */
  'call.end': method(
    'agent',
    z
      .object({
        attemptId: Id,
        answeredAt: Instant.nullable(),
        endedAt: Instant,
        // `interrupted`: an answered call the phone ended because the customer was gone (dead-call detection).
        outcome: AttemptOutcome,
        sipCode: z.number().int().min(100).max(699).nullable(),
      })
      .strict(),
    z.object({}),
  ),

  /** Open the recording of an answered call: a file the chunks are appended to. */
  'recording.start': method(
    'agent',
    z.object({ recordingId: Id, attemptId: Id, mimeType: z.string().regex(/^audio\/webm/) }).strict(),
    z.object({}),
  ),
  /**
   * Append chunk `seq` (0, 1, 2, … in order) and make it durable (fsync) before answering. A chunk already
   * written (a retry) is acknowledged without writing it twice; a gap is a `CONFLICT` naming the next `seq`.
   */
  'recording.chunk': method(
    'agent',
    z.object({ recordingId: Id, seq: z.number().int().nonnegative(), data: Base64Chunk }).strict(),
    z.object({ nextSeq: z.number().int().positive(), sizeBytes: z.number().int().nonnegative() }),
  ),
  /** A moment on the recording's timeline (e.g. an answer given, a disclosure read). */
  'recording.mark': method(
    'agent',
    z
      .object({
        recordingId: Id,
        offsetMs: z.number().int().nonnegative(),
        label: z.string().min(1).max(100),
      })
      .strict(),
    z.object({}),
  ),
  /** Close the recording: its SHA-256 and size are computed and stored; from then on it cannot change. */
  'recording.finish': method(
    'agent',
    z.object({ recordingId: Id, durationMs: OffsetMs }).strict(),
    z.object({ sha256: z.string(), sizeBytes: z.number().int().nonnegative() }),
  ),
  /** The agent's own recent recordings, newest first. */
  'recording.list': method(
    'agent',
    z.object({ limit: z.number().int().min(1).max(100).default(20) }).strict(),
    z.object({ items: z.array(RecordingSummary) }),
  ),
  /**
   * A slice of one of the agent's own recordings, for playback in the seat. Every slice is audited as
   * `recording.play` with its range (`offset`, `bytes`).
   */
  'recording.read': method(
    'agent',
    z
      .object({
        recordingId: Id,
        offset: z.number().int().nonnegative(),
        length: z.number().int().min(1).max(524_288),
      })
      .strict(),
    z.object({ data: z.string(), sizeBytes: z.number().int().nonnegative(), mimeType: z.string() }),
  ),

  /**
   * All settings of this seat, defaults filled in, head office's where it set them. Credentials are never
   * given here: the SIP password and TURN credentials read SECRET_MASK when set, '' when not.
   */
  'settings.get': method('agent', Empty, Settings),
  /**
   * Change one setting; the value is validated by that key's schema. A managed key (SETTING_ACCESS) only by
   * a supervisor or administrator logged in here, one head office set by no one here → `FORBIDDEN`. Audited
   * with the old and the new value, credentials masked. SECRET_MASK for a credential keeps the stored one.
   */
  'settings.set': method('agent', SetSettingArgs, Settings),
  /** Which settings head office set (read-only here), and whether this login may change managed ones. */
  'settings.sources': method('agent', Empty, z.object({ hq: z.array(SettingKey), canManage: z.boolean() })),
  /**
   * The phone's credentials (SIP password, ICE servers with their TURN credentials), for the renderer's
   * phone to register: audited as `sip.credentials_read` once per login.
   */
  'phone.credentials': method('agent', Empty, PhoneCredentials),

  /** Sync with head office: state and what waits. */
  'sync.status': method('agent', Empty, SyncStatus),
  /** Entries head office could not accept (kept in its quarantine, with why), newest first. */
  'sync.refused': method('agent', Empty, z.object({ items: z.array(RefusedSyncEntry) })),

  /**
   * The supervisor workspace, online against head office with the session of the supervisor's login there:
   * search results (personal data masked; a customer by the full ID number or phone only), paged newest first.
   * Head office audits every search, view, playback and download, naming this seat.
   */
  'review.search': method('review', ReviewSearchArgs, ReviewPage),
  /** One result: answers, purposes, findings, recording, and its timeline markers (answers and disclosures). */
  'review.result': method('review', z.object({ resultId: Id }).strict(), ReviewResult),
  /** Play a recording: a grant to stream its seekable copy through this seat, with the waveform. */
  'review.playback': method('review', z.object({ recordingId: Id }).strict(), ReviewPlayback),
  /** Download the original to this computer; refused unless its SHA-256 matches the one the seat recorded. */
  'review.download': method('review', z.object({ recordingId: Id }).strict(), ReviewDownload),
  /**
   * Place or release a legal hold on a recording, with a reason (compliance, administrators): held, it is kept
   * past its retention period until released.
   */
  'review.hold': method('review', LegalHoldRequest.extend({ recordingId: Id }).strict(), RecordingRetention),
  /** Raise a finding on a callback by hand, from listening to it (it joins 问题跟踪 as open). */
  'review.raiseFinding': method(
    'review',
    RaiseFinding.extend({ resultId: Id }).strict(),
    z.object({ id: z.string() }),
  ),
  /** The seats and the deadlines as they stand now (a branch supervisor: their branch). */
  'review.watch': method('review', WatchQuery.strict(), Watch),
  /** Sampled callbacks to re-check (never the asker's own), with their state and score. */
  'review.rechecks': method('review', RecheckArgs, RecheckList),
  /** The current evaluation form. */
  'review.recheckForm': method('review', Empty, EvaluationForm),
  /** A reviewer's verdict, once; a failed one may create a follow-up task for head office's call center. */
  'review.evaluate': method('review', EvaluateArgs, EvaluationResult),
  /** Re-check plans per branch (share, month or quarter), and setting one (compliance, administrators). */
  'review.plans': method('review', Empty, z.object({ items: z.array(RecheckPlan) })),
  'review.setPlan': method('review', RecheckPlan.strict(), RecheckPlan),
  /** Sample a period by the plans (compliance, administrators); a re-run only tops up. */
  'review.sample': method('review', SampleRequest.strict(), SampleReport),
  /** Findings with their state; assign or resolve one. */
  'review.findings': method('review', FindingsArgs, FindingsPage),
  'review.findingAct': method('review', FindingActArgs, z.object({})),
  /** People a finding may be given to. */
  'review.staff': method('review', Empty, StaffList),
  /** The report of a period, and its export (CSV one section, XLSX all) saved on this computer. */
  'review.report': method('review', ReportArgs, Report),
  'review.export': method('review', ExportArgs, SavedFile),
  /**
   * Logins locked or held back now (supervisors, administrators): this seat's own lockouts of its agents, and
   * head office's (a branch supervisor sees the branch's users only).
   */
  'review.lockouts': method('review', Empty, z.object({ items: z.array(LoginLock) })),
  /** The training view: trainees' practice calls with their completeness and recordings, newest first. */
  'review.training': method('review', TrainingQuery, TrainingPage),
  /** Lift one: a seat lockout (supervisors, administrators of this seat), a head-office one (administrators). */
  'review.unlock': method(
    'review',
    z.object({ scope: z.enum(['seat', 'hq']), key: z.string().trim().min(1).max(200) }).strict(),
    z.object({}),
  ),
  /**
   * Enrol this seat with head office, once: the head-office login of a supervisor or administrator given here
   * registers the seat under its own id and branch (head office checks the role); the seat keeps the token
   * it gets and syncs from then on. The password is used once and not kept.
   */
  'sync.enrol': method(
    'public',
    z
      .object({
        hqUrl: z.url({ protocol: /^https?$/ }),
        code: z.string().trim().min(1).max(32),
        password: z.string().min(1).max(200),
        name: z.string().trim().min(1).max(100),
        /**
         * The private CA head office's certificate is issued by (PEM), when not a public one; the seat checks
         * it parses (sync/tls.ts). Plain http:// is refused there too, unless to this computer.
         */
        caCertPem: z.string().max(20_000).optional(),
      })
      .strict(),
    SyncStatus,
  ),
} as const;

export type Methods = typeof METHODS;
export type MethodName = keyof Methods;
/** What a caller passes (defaults may be left out). */
export type MethodArgs<M extends MethodName> = z.input<Methods[M]['args']>;
/** What a handler receives, after validation. */
export type MethodParsedArgs<M extends MethodName> = z.output<Methods[M]['args']>;
export type MethodResult<M extends MethodName> = z.output<Methods[M]['result']>;

export { isMethodName } from './names';

// The name list the preload uses must be exactly the keys of METHODS (a compile error otherwise).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _methodNamesMatch: Same<(typeof METHOD_NAMES)[number], MethodName> = true;
void _methodNamesMatch;
