import { z } from 'zod';
import { CallbackType } from '../domain/callback-types';
import {
  Answer,
  AttemptOutcome,
  CONTACT_REASON_MIN,
  Disposition,
  DoNotCall,
  hasControl,
  Id,
  Instant,
  OffsetMs,
  PlainText,
  PreferredTimes,
  RecordingStatus,
  ResultOutcome,
  Role,
} from './schemas';
import { AttemptTraining, ResultTraining } from './training';

/**
 * The sync contract between a seat and head office (`hq/`): what the seat pushes (its outbox, in order) and
 * what it pulls (reference data and its tasks). Both sides validate with these schemas.
 */

// ---- push: the outbox's payloads, as the seat's store writes them ----

/** An identifier or code a seat sends: bounded, printable. */
const Code = (max: number) => PlainText(max).min(1);

/** The largest audit detail head office keeps (serialized): ids, field names and counts, never a document. */
export const AUDIT_DETAIL_MAX = 16 * 1024;

/** Every string anywhere in a JSON value, for the control-character check of free-form details. */
function stringsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) stringsIn(v, out);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      stringsIn(v, out);
    }
  }
  return out;
}

/** No two items with the same key (two answers of one step, two outcomes of one purpose). */
const unique =
  <T>(key: (t: T) => string, message: string) =>
  (items: T[], ctx: z.RefinementCtx) => {
    const seen = new Set<string>();
    for (const [i, item] of items.entries()) {
      const k = key(item);
      if (seen.has(k)) ctx.addIssue({ code: 'custom', message: `${message}：${k}`, path: [i] });
      seen.add(k);
    }
  };

export const AuditPayload = z.object({
  id: Id,
  at: Instant,
  seatId: Id,
  agentId: Id.nullable(),
  action: Code(100),
  entityType: PlainText(100),
  entityId: PlainText(500),
  detail: z
    .record(z.string(), z.unknown())
    .refine((d) => JSON.stringify(d).length <= AUDIT_DETAIL_MAX, {
      message: `审计详情过大（上限 ${AUDIT_DETAIL_MAX / 1024} KiB）`,
    })
    .refine((d) => !stringsIn(d).some(hasControl), { message: '审计详情含有不可见的控制字符' }),
  // The seat's audit chain (shared/contract/audit-chain.ts): its position, the previous entry's hash and its
  // own. Optional: a seat of an earlier version sends none, and head office chains those entries itself.
  chainSeq: z.number().int().positive().optional(),
  prevHash: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  hash: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
});

export const AttemptPayload = z.object({
  id: Id,
  taskId: Id,
  agentId: Id,
  seatId: Id,
  startedAt: Instant,
  numberMasked: PlainText(40),
  answeredAt: Instant.nullable(),
  endedAt: Instant,
  outcome: AttemptOutcome,
  /** A SIP final response code (RFC 3261: 100–699). */
  sipCode: z.number().int().min(100).max(699).nullable(),
  /** Placed on the training line: the persona who answered. Never evidence. Absent from earlier seats. */
  training: AttemptTraining.nullable().default(null),
});

export const RecordingPayload = z.object({
  id: Id,
  attemptId: Id,
  mimeType: Code(100),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** Up to 1 TiB: no call's recording comes near it. */
  sizeBytes: z
    .number()
    .int()
    .nonnegative()
    .max(2 ** 40),
  durationMs: OffsetMs.nullable(),
  status: RecordingStatus,
  startedAt: Instant,
  finishedAt: Instant,
});

/**
 * A finding as the seat saw it. Head office files it under the branch, customer and salesperson of its own
 * task record, not these (they say what the seat believed, and a seat cannot write into another branch).
 */
export const FindingPayload = z.object({
  id: Id,
  stepId: Code(100),
  purposes: z.array(CallbackType).min(1).max(20),
  category: Code(100),
  severity: z.enum(['low', 'medium', 'high']),
  about: z.enum(['salesperson', 'branch', 'customer']),
  text: PlainText(2000),
  salespersonId: Code(100).nullable(),
  branchId: Code(100),
  customerId: Code(100),
  recordingId: Id.nullable(),
  offsetMs: OffsetMs.nullable(),
});

export const ResultPayload = z.object({
  id: Id,
  taskId: Id,
  attemptId: Id.nullable(),
  outcome: ResultOutcome,
  disposition: Disposition,
  notes: PlainText(2000),
  retryAt: Instant.nullable(),
  supersedesId: Id.nullable(),
  agentId: Id,
  seatId: Id,
  createdAt: Instant,
  answers: z
    .array(Answer)
    .max(500)
    .superRefine(unique((a) => a.stepId, '同一步骤有两个回答')),
  purposes: z
    .array(
      z.object({
        purpose: CallbackType,
        outcome: Code(50),
        scriptId: Code(100),
        scriptVersion: z.number().int().positive().max(1_000_000),
      }),
    )
    .max(20)
    .superRefine(unique((p) => p.purpose, '同一回访类型有两个结论')),
  findings: z
    .array(FindingPayload)
    .max(100)
    .superRefine(unique((f) => f.id, '问题编号重复')),
  /**
   * A result of a training call (its attempt was on the training line): the persona and the script's
   * completeness. It closes no task, and head office keeps it for the training view alone.
   */
  training: ResultTraining.nullable().default(null),
});

/**
 * An agent's change of a customer's contact wishes (免打扰 or 偏好时段), as the customer's new state of that
 * one wish. Its own kind rather than an audit entry head office reads: the audit trail stays a record that
 * nothing acts on, and head office vets this like the other facts (the customer must be of the seat's branch,
 * the agent a user of it) and quarantines what it refuses without touching the seat's audit chain. The
 * `customer.doNotCall` / `customer.preferredTimes` audit entry travels beside it, as every audit entry does.
 * A head office older than this kind quarantines the entry (422): the outbox still drains.
 */
export const ContactPayload = z.discriminatedUnion('wish', [
  z.object({
    wish: z.literal('doNotCall'),
    customerId: Code(100),
    agentId: Id,
    seatId: Id,
    at: Instant,
    reason: PlainText(200).min(CONTACT_REASON_MIN),
    doNotCall: DoNotCall.nullable(),
  }),
  z.object({
    wish: z.literal('preferredTimes'),
    customerId: Code(100),
    agentId: Id,
    seatId: Id,
    at: Instant,
    reason: PlainText(200).min(CONTACT_REASON_MIN),
    preferredTimes: PreferredTimes,
  }),
]);
export type ContactPayload = z.infer<typeof ContactPayload>;

export const OutboxKind = z.enum(['result', 'audit', 'attempt', 'recording', 'contact']);
export type OutboxKind = z.infer<typeof OutboxKind>;

export const PAYLOADS = {
  result: ResultPayload,
  audit: AuditPayload,
  attempt: AttemptPayload,
  recording: RecordingPayload,
  contact: ContactPayload,
} as const satisfies Record<OutboxKind, z.ZodType>;

/** The seat's outbox sequence: 1, 2, 3, … with no gap. */
const Seq = z.number().int().positive();

export const OutboxEntry = z.object({
  seq: Seq,
  kind: OutboxKind,
  entityId: Code(200),
  payload: z.unknown(),
  createdAt: Instant,
});
export type OutboxEntry = z.infer<typeof OutboxEntry>;

export const PUSH_MAX_ENTRIES = 1000;

/**
 * Head office's answer (409) to an upload of a recording it already holds, verified: the seat takes it as done
 * (then confirms with `/stored`), e.g. when the answer to its last chunk was lost and it started again.
 */
export const ALREADY_STORED = '该录音已上传并校验';

/**
 * A push. Only each entry's sequence number is checked for the request as a whole: the rest of an entry is
 * checked entry by entry, so one that head office cannot accept is quarantined (see PushResponse) instead of
 * refusing the push — and every push after it — for ever.
 */
export const PushRequest = z.object({
  seatId: Id,
  entries: z
    .array(z.looseObject({ seq: Seq }))
    .min(1)
    .max(PUSH_MAX_ENTRIES),
});
export type PushRequest = z.input<typeof PushRequest>;

/**
 * An entry head office could not accept: kept there verbatim in its quarantine with the reason, its sequence
 * acknowledged like any other (the outbox drains), shown to administrators and at the seat under 总部同步.
 * `status` says why as HTTP would: 422 its content (a schema or the database refused a value), 403 it touches
 * another branch or names an agent who is not a user of the seat's branch, 409 its id is another seat's.
 */
export const RefusedEntry = z.object({
  seq: Seq,
  status: z.union([z.literal(403), z.literal(409), z.literal(422)]),
  // BROKEN_CHAIN (422): an audit entry that does not link to the seat's audit chain as head office holds it.
  code: z.enum(['BAD_ENTRY', 'FORBIDDEN', 'CONFLICT', 'BROKEN_CHAIN']),
  message: z.string().max(1000),
});
export type RefusedEntry = z.infer<typeof RefusedEntry>;

/** Everything up to `appliedSeq` is applied or quarantined (now or before): the seat may mark it acknowledged. */
export const PushResponse = z.object({
  appliedSeq: z.number().int().nonnegative(),
  /** Entries of this push that head office quarantined instead of applying. */
  refused: z.array(RefusedEntry).max(PUSH_MAX_ENTRIES),
  /** Head office's clock when it answered: the seat's clock offset is measured against it. */
  hqTime: z.iso.datetime({ offset: true }),
});
export type PushResponse = z.infer<typeof PushResponse>;

/**
 * A refusal. `SEQ_GAP`: an entry came before the one expected (`expectedSeq`); the seat sends again from
 * there. `SEQ_CONFLICT`: the entry at `conflictSeq` (at or below `appliedSeq`) is not the one head office applied
 * under that number (a seat restored from a backup numbers new entries again); nothing of the push is applied.
 * `SEAT_MISMATCH`: the request names another seat than the caller's token.
 */
export const SyncErrorBody = z.object({
  code: z.enum([
    'SEQ_GAP',
    'SEQ_CONFLICT',
    'SEAT_MISMATCH',
    'BAD_ENTRY',
    'UNAUTHENTICATED',
    'FORBIDDEN',
    'BAD_REQUEST',
    'NOT_FOUND',
    'CONFLICT',
    'UNAVAILABLE',
    'GONE',
    // Head-office login: too many wrong passwords (back off for retryAfterSeconds), a lockout only an
    // administrator lifts, a password that must be changed before the first session.
    'TOO_MANY_ATTEMPTS',
    'LOCKED',
    'PASSWORD_CHANGE_REQUIRED',
  ]),
  message: z.string(),
  /** TOO_MANY_ATTEMPTS: seconds until the next attempt is heard (also the Retry-After header). */
  retryAfterSeconds: z.number().int().positive().optional(),
  expectedSeq: z.number().int().positive().optional(),
  appliedSeq: z.number().int().nonnegative().optional(),
  /** SEQ_CONFLICT: the first sequence number whose entry differs from the one head office applied there. */
  conflictSeq: z.number().int().positive().optional(),
});
export type SyncErrorBody = z.infer<typeof SyncErrorBody>;

// ---- pull: reference data and the seat's tasks ----

export const SalespersonRecord = z.object({
  id: z.string(),
  code: z.string(),
  name: z.string(),
  branchId: z.string(),
  departedAt: Instant.nullable(),
});

export const AgentRecord = z.object({
  id: Id,
  code: z.string(),
  name: z.string(),
  branchId: z.string(),
  role: Role,
  // No password hash: a seat makes its own offline verifier at an agent's login there. The field an older
  // head office still sends is dropped by this (non-strict) object, so such a pull is still accepted.
  staffId: z.string().nullable(),
});

export const CustomerRecord = z.object({
  id: z.string(),
  name: z.string(),
  idNumber: z.string(),
  phone: z.string(),
  branchId: z.string(),
  salespersonId: z.string().nullable(),
  introducerId: z.string().nullable(),
  openedAt: Instant.nullable(),
  channel: z.enum(['counter', 'nonsite']).nullable(),
  margin: z.boolean(),
  /**
   * 免打扰 and 偏好时段 as head office holds them. Absent from a head office older than them: the seat then
   * keeps what it has (an absent field is no news, not a clearing).
   */
  doNotCall: DoNotCall.nullable().optional(),
  preferredTimes: PreferredTimes.optional(),
});

export const TaskRecord = z.object({
  id: Id,
  customerId: z.string(),
  branchId: z.string(),
  assignedAgentId: Id.nullable(),
  status: z.enum(['open', 'closed']),
  createdAt: Instant,
  purposes: z
    .array(
      z.object({
        type: CallbackType,
        deadlineAt: Instant,
        reason: z.string(),
        salespersonId: z.string().nullable(),
      }),
    )
    .min(1),
});

export const PullResponse = z.object({
  /** Give this back as `cursor` next time; unchanged when nothing was new. */
  cursor: z.number().int().nonnegative(),
  /** More changes wait: pull again at once. */
  more: z.boolean(),
  salespeople: z.array(SalespersonRecord),
  agents: z.array(AgentRecord),
  customers: z.array(CustomerRecord),
  tasks: z.array(TaskRecord),
  /** Tasks taken from this seat (reassigned or withdrawn): the seat stops offering them. */
  revoked: z.array(Id),
  /** Callback scripts published since (the seat validates and keeps each version, as from its own folder). */
  scripts: z.array(z.object({ id: z.string(), version: z.number().int().positive(), body: z.unknown() })),
  /** Settings head office manages for the branch (HQ_MANAGED_SETTINGS), as they are now. */
  settings: z.array(z.object({ key: z.string(), value: z.unknown() })),
});
export type PullResponse = z.infer<typeof PullResponse>;

/** What enrolment gives a new seat: its identity and the token it authenticates with (shown once). */
export const Enrolment = z.object({
  seatId: Id,
  branchId: z.string(),
  branchName: z.string(),
  token: z.string().min(32),
});
export type Enrolment = z.infer<typeof Enrolment>;

/** A head-office login (by the people who enrol seats): the bearer token and who it is. */
export const LoginResponse = z.object({
  token: z.string(),
  user: z.object({
    id: z.string(),
    code: z.string(),
    name: z.string(),
    role: z.string(),
    branchId: z.string().nullable(),
  }),
});
export type LoginResponse = z.infer<typeof LoginResponse>;

/** Whether head office holds a recording, verified: the seat's acknowledgement before it may delete its copy. */
export const StoredResponse = z.object({ stored: z.boolean(), sha256: z.string().nullable() });
export type StoredResponse = z.infer<typeof StoredResponse>;

export const HealthResponse = z.object({
  ok: z.literal(true),
  db: z.enum(['pglite', 'postgres']),
  /** Head office's clock as it answered: the seat measures its own clock's offset against it. */
  hqTime: z.iso.datetime({ offset: true }),
});

/** A seat clock further off head office's than this is shown to the agent and in 坐席与时限. */
export const CLOCK_WARN_MS = 2 * 60_000;
