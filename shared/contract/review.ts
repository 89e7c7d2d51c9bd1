import { z } from 'zod';
import { CallbackType } from '../domain/callback-types';
import { Instant, ResultOutcome } from './schemas';

/**
 * The review contract: what supervisors, reviewers and compliance ask head office for (search results, open
 * one, play and download its recording). Head office validates requests and answers with these schemas, the
 * seat validates head office's answers with them before they reach the console.
 */

/** A search of results. Customers are found by the full value only (exact match), never by a fragment. */
export const ReviewSearch = z.object({
  branchId: z.string().max(40).optional(),
  agentId: z.guid().optional(),
  /** An agent by their code (工号), as people know them. */
  agentCode: z.string().trim().min(1).max(32).optional(),
  salespersonId: z.string().max(40).optional(),
  type: CallbackType.optional(),
  outcome: ResultOutcome.optional(),
  from: Instant.optional(),
  to: Instant.optional(),
  idNumber: z
    .string()
    .regex(/^\d{17}[\dX]$/, '身份证号须为完整的 18 位')
    .optional(),
  phone: z
    .string()
    .regex(/^1\d{10}$/, '手机号须为完整的 11 位')
    .optional(),
  findingsOnly: z.enum(['true', 'false']).optional(),
  /** Keyset: the `next` of the previous page (`<instant>|<result id>`). */
  before: z
    .string()
    .max(100)
    .regex(/^[0-9T:.+Z-]{20,35}\|[0-9a-f-]{36}$/, { message: '翻页位置无效' })
    .optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
export type ReviewSearch = z.input<typeof ReviewSearch>;

/** One result in a list: personal data masked. */
export const ReviewRow = z.object({
  id: z.string(),
  createdAt: z.string(),
  branchId: z.string().nullable(),
  agentId: z.string(),
  agentCode: z.string().nullable(),
  agentName: z.string().nullable(),
  customerName: z.string().nullable(),
  idNumberMasked: z.string().nullable(),
  phoneMasked: z.string().nullable(),
  salespersonName: z.string().nullable(),
  outcome: z.string(),
  disposition: z.string(),
  flag: z.string().nullable(),
  purposes: z.array(z.string()),
  findings: z.number().int(),
  recordingId: z.string().nullable(),
});
export type ReviewRow = z.infer<typeof ReviewRow>;

export const ReviewPage = z.object({ items: z.array(ReviewRow), next: z.string().nullable() });
export type ReviewPage = z.infer<typeof ReviewPage>;

/** One result opened: its answers (each at its moment in the recording), purposes, findings, recording. */
/** How long head office keeps a recording, whether a legal hold keeps it longer, and whether it was removed. */
export const RecordingRetention = z.object({
  retainUntil: z.string(),
  hold: z.object({ reason: z.string(), userName: z.string(), at: z.string() }).nullable(),
  purgedAt: z.string().nullable(),
});
export type RecordingRetention = z.infer<typeof RecordingRetention>;

/** Placing or releasing a legal hold (compliance and administrators). */
export const LegalHoldRequest = z
  .object({
    action: z.enum(['place', 'release']),
    reason: z.string().trim().min(2, '请填写保全或解除的原因（至少 2 个字）').max(200),
  })
  .strict();
export type LegalHoldRequest = z.infer<typeof LegalHoldRequest>;

/** A finding raised by hand at head office, from listening (at a moment of the recording, or none). */
export const RaiseFinding = z
  .object({
    textZh: z.string().trim().min(4, '请写明发现的问题（至少 4 个字）').max(500),
    severity: z.enum(['low', 'medium', 'high']),
    about: z.enum(['salesperson', 'branch', 'customer']),
    offsetMs: z.number().int().min(0).nullable(),
  })
  .strict();
export type RaiseFinding = z.infer<typeof RaiseFinding>;

export const ReviewDetail = z.object({
  result: z.object({
    id: z.string(),
    taskId: z.string(),
    seatId: z.string(),
    agentId: z.string(),
    attemptId: z.string().nullable(),
    branchId: z.string().nullable(),
    outcome: z.string(),
    disposition: z.string(),
    notes: z.string(),
    flag: z.string().nullable(),
    createdAt: z.string(),
  }),
  answers: z.array(
    z.object({
      stepId: z.string(),
      purposes: z.array(z.string()),
      value: z.unknown(),
      answeredAt: z.string(),
      recordingId: z.string(),
      offsetMs: z.number().int(),
    }),
  ),
  purposes: z.array(
    z.object({
      purpose: z.string(),
      outcome: z.string(),
      scriptId: z.string(),
      scriptVersion: z.number().int(),
    }),
  ),
  findings: z.array(
    z.object({
      id: z.string(),
      stepId: z.string(),
      category: z.string(),
      severity: z.string(),
      about: z.string(),
      textZh: z.string(),
      salespersonId: z.string().nullable(),
      recordingId: z.string().nullable(),
      offsetMs: z.number().int().nullable(),
    }),
  ),
  recording: z
    .object({
      id: z.string(),
      sha256: z.string(),
      sizeBytes: z.number().int(),
      durationMs: z.number().int().nullable(),
      status: z.string(),
      storedAt: z.string().nullable(),
      retention: RecordingRetention,
    })
    .nullable(),
});
export type ReviewDetail = z.infer<typeof ReviewDetail>;

/** A grant to stream a recording's playback copy (seekable; its own hash), with its waveform. */
export const PlaybackGrant = z.object({
  /** Head office's path to stream from with Range requests, valid until `expiresAt`; the token is the grant. */
  path: z.string(),
  expiresAt: z.string(),
  /** The original's hash as recorded at the seat, and the playback copy's own. */
  originalSha256: z.string(),
  sha256: z.string(),
  sizeBytes: z.number().int(),
  durationMs: z.number().int(),
  /** Peaks 0–1 per bucket: agent (left channel) and customer (right). */
  peaks: z.object({ left: z.array(z.number()), right: z.array(z.number()) }),
});
export type PlaybackGrant = z.infer<typeof PlaybackGrant>;

/** Where a playback grant's copy is streamed from. */
export const PLAYBACK_PATH = '/api/playback/';

// ---- re-check (公司级回访检查), findings, reports ----

const Uuid = z.guid();
const PeriodKeyText = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2]|Q[1-4])$/, '期间须写作 2026-11（月）或 2026-Q4（季度）');

/** A branch's re-check plan: the share of its callbacks head office re-checks per month or quarter. */
export const RecheckPlan = z.object({
  branchId: z.string().min(1).max(40),
  share: z.number().gt(0, '抽查比例须大于 0').max(1, '抽查比例不能超过 100%'),
  period: z.enum(['month', 'quarter']),
});
export type RecheckPlan = z.infer<typeof RecheckPlan>;

export const SampleRequest = z.object({ periodKey: PeriodKeyText });
export const SampleReport = z.object({
  periodKey: z.string(),
  branches: z.array(
    z.object({
      branchId: z.string(),
      /** Completed callbacks of the branch in the period, and how many the plan's share asks for. */
      candidates: z.number().int(),
      target: z.number().int(),
      /** Sampled by this run, and in all for the period. */
      added: z.number().int(),
      total: z.number().int(),
    }),
  ),
});
export type SampleReport = z.infer<typeof SampleReport>;

/** An evaluation form: criteria with weights; a critical one failed fails the whole callback. */
export const EvaluationForm = z.object({
  id: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/),
  version: z.number().int().positive(),
  title: z.string().min(1).max(100),
  criteria: z
    .array(
      z.object({
        id: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/),
        label: z.string().min(1).max(200),
        weight: z.number().int().min(0).max(100),
        critical: z.boolean(),
      }),
    )
    .min(1)
    .max(50)
    .refine((c) => new Set(c.map((x) => x.id)).size === c.length, '评分项编号不能重复'),
  /** The lowest score (0–100) that passes when no critical item failed. */
  passScore: z.number().int().min(0).max(100),
});
export type EvaluationForm = z.infer<typeof EvaluationForm>;

export const RecheckStatus = z.enum(['open', 'passed', 'failed']);
export const RecheckRow = z.object({
  id: z.string(),
  resultId: z.string(),
  branchId: z.string(),
  periodKey: z.string(),
  assignedTo: z.string().nullable(),
  assignedName: z.string().nullable(),
  agentId: z.string(),
  agentName: z.string().nullable(),
  customerName: z.string().nullable(),
  idNumberMasked: z.string().nullable(),
  purposes: z.array(z.string()),
  createdAt: z.string(),
  sampledAt: z.string(),
  status: RecheckStatus,
  score: z.number().int().nullable(),
});
export type RecheckRow = z.infer<typeof RecheckRow>;
export const RecheckQuery = z.object({
  status: RecheckStatus.optional(),
  /** Only those dealt to the asking reviewer. */
  mine: z.enum(['true', 'false']).optional(),
  branchId: z.string().max(40).optional(),
  periodKey: PeriodKeyText.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(100),
});
export const RecheckList = z.object({ items: z.array(RecheckRow) });

export const EvaluationRequest = z.object({
  formId: z.string().max(40),
  formVersion: z.number().int().positive(),
  items: z
    .array(
      z.object({
        criterionId: z.string().max(40),
        passed: z.boolean(),
        comment: z.string().max(500).default(''),
      }),
    )
    .max(50),
  /** Remarks at moments of the recording. */
  comments: z
    .array(z.object({ atMs: z.number().int().nonnegative(), text: z.string().trim().min(1).max(500) }))
    .max(100)
    .default([]),
  summary: z.string().max(2000).default(''),
  /** When it fails: a new callback of the customer for head office's call center. */
  followUp: z.boolean().default(false),
});
export type EvaluationRequestInput = z.input<typeof EvaluationRequest>;
export const EvaluationResult = z.object({
  recheckId: z.string(),
  score: z.number().int(),
  passed: z.boolean(),
  failedCritical: z.array(z.string()),
  followUpTaskId: z.string().nullable(),
});
export type EvaluationResult = z.infer<typeof EvaluationResult>;

export const FindingStatus = z.enum(['open', 'assigned', 'resolved']);
export const FindingRow = z.object({
  id: z.string(),
  resultId: z.string(),
  createdAt: z.string(),
  branchId: z.string(),
  salespersonId: z.string().nullable(),
  salespersonName: z.string().nullable(),
  customerName: z.string().nullable(),
  idNumberMasked: z.string().nullable(),
  category: z.string(),
  severity: z.string(),
  about: z.string(),
  textZh: z.string(),
  recordingId: z.string().nullable(),
  offsetMs: z.number().int().nullable(),
  status: FindingStatus,
  assigneeId: z.string().nullable(),
  assigneeName: z.string().nullable(),
  note: z.string().nullable(),
  updatedAt: z.string().nullable(),
});
export type FindingRow = z.infer<typeof FindingRow>;
export const FindingsQuery = z.object({
  branchId: z.string().max(40).optional(),
  salespersonId: z.string().max(40).optional(),
  status: FindingStatus.optional(),
  severity: z.string().max(20).optional(),
  from: Instant.optional(),
  to: Instant.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(100),
});
export const FindingsPage = z.object({ items: z.array(FindingRow) });
export const FindingAction = z.discriminatedUnion('action', [
  z.object({ action: z.literal('assign'), assigneeId: Uuid, note: z.string().max(1000).default('') }),
  z.object({ action: z.literal('resolve'), note: z.string().trim().min(2, '请填写处理说明').max(1000) }),
]);
export type FindingAction = z.input<typeof FindingAction>;

/** Someone a finding may be given to. */
export const StaffMember = z.object({
  id: z.string(),
  code: z.string(),
  name: z.string(),
  role: z.string(),
  branchId: z.string().nullable(),
});
export const StaffList = z.object({ items: z.array(StaffMember) });

/** The seats and the deadlines as they stand: what a supervisor watches (a branch supervisor: their branch). */
export const WatchQuery = z.object({ branchId: z.string().max(40).optional() });
export type WatchQuery = z.infer<typeof WatchQuery>;
/** A seat is online when head office heard from it this recently (it syncs every 30 s). */
export const SEAT_ONLINE_WITHIN_MS = 120_000;
export const Watch = z.object({
  at: z.string(),
  /** What head office warns of, e.g. a year whose holiday schedule is not configured yet. */
  warnings: z.array(z.string().max(500)).max(20),
  /** Open tasks per branch: past their deadline, due today (China time), due in the next 3 days, not yet on a seat. */
  branches: z.array(
    z.object({
      branchId: z.string(),
      branchName: z.string(),
      open: z.number().int(),
      overdue: z.number().int(),
      dueToday: z.number().int(),
      dueSoon: z.number().int(),
      unassigned: z.number().int(),
    }),
  ),
  /** Every enrolled seat: when head office last heard from it, the open tasks it holds, recordings not yet home. */
  seats: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      branchId: z.string(),
      lastSeenAt: z.string().nullable(),
      online: z.boolean(),
      open: z.number().int(),
      overdue: z.number().int(),
      recordingsWaiting: z.number().int(),
      /** The seat's clock minus head office's at its last sync (ms); null before one. */
      clockOffsetMs: z.number().int().nullable(),
      /** Its entries head office quarantined. */
      quarantined: z.number().int(),
    }),
  ),
  /**
   * The agents at work today, live as far as their seats have synced (issue 16, point 8): each agent's latest
   * working state today (from the seats' `agent.state` audit entries: 就绪 / 通话中 / 话后处理 / 小休 / 离线),
   * since when, at which seat, and their real calls today (the training line's not counted) and how many
   * were answered. `stale`: the seat has not been heard from lately, so the state may be old.
   */
  agents: z
    .array(
      z.object({
        agentId: z.string(),
        agentCode: z.string().nullable(),
        agentName: z.string().nullable(),
        seatId: z.string(),
        seatName: z.string(),
        branchId: z.string(),
        state: z.enum(['ready', 'on_call', 'wrap_up', 'break', 'offline']),
        reason: z.string().max(16).nullable(),
        since: z.string(),
        stale: z.boolean(),
        callsToday: z.number().int(),
        answeredToday: z.number().int(),
      }),
    )
    .max(2000),
  /**
   * Entries head office could not accept and keeps in its quarantine, newest first (at most 100): which seat,
   * which number, why. Their content stays at head office; no personal value is shown here.
   */
  quarantine: z.array(
    z.object({
      seatId: z.string(),
      seatName: z.string(),
      branchId: z.string(),
      seq: z.number().int(),
      kind: z.string(),
      entityId: z.string(),
      status: z.number().int(),
      code: z.string(),
      reason: z.string(),
      receivedAt: z.string(),
    }),
  ),
  /** The open tasks past their deadline, the oldest first (at most 100); no ID number or phone. */
  overdue: z.array(
    z.object({
      taskId: z.string(),
      branchId: z.string(),
      customerName: z.string(),
      types: z.array(z.string()),
      deadlineAt: z.string(),
      seatName: z.string().nullable(),
    }),
  ),
});
export type Watch = z.infer<typeof Watch>;

export const ReportQuery = z.object({
  from: z.iso.datetime({ offset: true }),
  to: z.iso.datetime({ offset: true }),
  branchId: z.string().max(40).optional(),
});
export type ReportQuery = z.infer<typeof ReportQuery>;
/** What branch managers and head office read for a period (tasks created in it, results on them). */
export const Report = z.object({
  from: z.string(),
  to: z.string(),
  /** Per branch and callback type: required, completed (on time, late), missed (deadline passed), unreachable. */
  coverage: z.array(
    z.object({
      branchId: z.string(),
      type: z.string(),
      required: z.number().int(),
      completed: z.number().int(),
      onTime: z.number().int(),
      late: z.number().int(),
      missed: z.number().int(),
      unreachable: z.number().int(),
    }),
  ),
  findingsByBranch: z.array(
    z.object({
      branchId: z.string(),
      open: z.number().int(),
      resolved: z.number().int(),
      total: z.number().int(),
    }),
  ),
  findingsBySalesperson: z.array(
    z.object({
      salespersonId: z.string(),
      /** The salesperson's staff code (工号), as people know them. */
      code: z.string().nullable(),
      name: z.string().nullable(),
      branchId: z.string(),
      total: z.number().int(),
    }),
  ),
  rechecks: z.array(
    z.object({
      branchId: z.string(),
      sampled: z.number().int(),
      evaluated: z.number().int(),
      passed: z.number().int(),
      failed: z.number().int(),
      averageScore: z.number().nullable(),
    }),
  ),
});
export type Report = z.infer<typeof Report>;
export const REPORT_SECTIONS = ['coverage', 'findingsByBranch', 'findingsBySalesperson', 'rechecks'] as const;

// ---- what the seat gives the console (window.seat), built on head office's answers ----

/** A search from the console: head office's query, strictly. */
export const ReviewSearchArgs = ReviewSearch.omit({ limit: true })
  .extend({ limit: z.number().int().min(1).max(100).default(50) })
  .strict();

/** A moment on the recording's timeline: an answer given there, with the step it answers (from its script). */
export const ReviewMarker = z.object({
  offsetMs: z.number().int(),
  stepId: z.string(),
  /** The step's kind in the script it came from; `unknown` when the seat does not hold that script version. */
  kind: z.enum(['identity', 'question', 'disclosure', 'say', 'end', 'unknown']),
  label: z.object({ zh: z.string(), en: z.string() }).nullable(),
  purposes: z.array(z.string()),
  value: z.unknown(),
});
export type ReviewMarker = z.infer<typeof ReviewMarker>;

export const ReviewResult = ReviewDetail.extend({ markers: z.array(ReviewMarker) });
export type ReviewResult = z.infer<typeof ReviewResult>;

/** A playback grant as the console uses it: `url` is on the seat's own host, which streams from head office. */
export const ReviewPlayback = PlaybackGrant.omit({ path: true }).extend({ url: z.string() });
export type ReviewPlayback = z.infer<typeof ReviewPlayback>;

/** A downloaded original: saved on this computer, its SHA-256 checked against the one recorded at the seat. */
export const ReviewDownload = z.object({
  path: z.string(),
  sizeBytes: z.number().int(),
  sha256: z.string(),
  expectedSha256: z.string(),
  verified: z.literal(true),
});
export type ReviewDownload = z.infer<typeof ReviewDownload>;

/** The seat's route that streams a playback copy from head office (`/hq-playback/<grant token>`). */
export const SEAT_PLAYBACK_ROUTE = '/hq-playback/';

// ---- the quality work as the console asks for it ----

export const RecheckArgs = RecheckQuery.omit({ limit: true })
  .extend({ limit: z.number().int().min(1).max(200).default(100) })
  .strict();
export const EvaluateArgs = EvaluationRequest.extend({ recheckId: Uuid }).strict();
export const FindingsArgs = FindingsQuery.omit({ limit: true })
  .extend({ limit: z.number().int().min(1).max(200).default(100) })
  .strict();
export const FindingActArgs = z.discriminatedUnion('action', [
  z
    .object({
      findingId: Uuid,
      action: z.literal('assign'),
      assigneeId: Uuid,
      note: z.string().max(1000).default(''),
    })
    .strict(),
  z
    .object({
      findingId: Uuid,
      action: z.literal('resolve'),
      note: z.string().trim().min(2, '请填写处理说明').max(1000),
    })
    .strict(),
]);
export const ReportArgs = ReportQuery.strict();
export const ExportArgs = ReportQuery.extend({
  format: z.enum(['csv', 'xlsx']),
  section: z.enum(REPORT_SECTIONS).default('coverage'),
}).strict();
/** A file saved on this computer from head office. */
export const SavedFile = z.object({ path: z.string(), sizeBytes: z.number().int(), sha256: z.string() });
export type SavedFile = z.infer<typeof SavedFile>;
