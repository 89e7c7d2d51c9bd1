import { z } from 'zod';
import { CallbackType } from '../domain/callback-types';
import {
  Answer,
  AttemptOutcome,
  Disposition,
  Id,
  Instant,
  RecordingStatus,
  ResultOutcome,
  Role,
} from './schemas';

/**
 * The sync contract between a seat and head office (`hq/`): what the seat pushes (its outbox, in order) and
 * what it pulls (reference data and its tasks). Both sides validate with these schemas.
 */

// ---- push: the outbox's payloads, as the seat's store writes them ----

export const AuditPayload = z.object({
  id: Id,
  at: Instant,
  seatId: Id,
  agentId: Id.nullable(),
  action: z.string().min(1).max(100),
  entityType: z.string().max(100),
  entityId: z.string().max(500),
  detail: z.record(z.string(), z.unknown()),
});

export const AttemptPayload = z.object({
  id: Id,
  taskId: Id,
  agentId: Id,
  seatId: Id,
  startedAt: Instant,
  numberMasked: z.string().max(40),
  answeredAt: Instant.nullable(),
  endedAt: Instant,
  outcome: AttemptOutcome,
  sipCode: z.number().int().nullable(),
});

export const RecordingPayload = z.object({
  id: Id,
  attemptId: Id,
  mimeType: z.string().max(100),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  sizeBytes: z.number().int().nonnegative(),
  durationMs: z.number().int().nonnegative().nullable(),
  status: RecordingStatus,
  startedAt: Instant,
  finishedAt: Instant,
});

export const FindingPayload = z.object({
  id: Id,
  stepId: z.string(),
  purposes: z.array(CallbackType),
  category: z.string(),
  severity: z.enum(['low', 'medium', 'high']),
  about: z.enum(['salesperson', 'branch', 'customer']),
  text: z.string(),
  salespersonId: z.string().nullable(),
  branchId: z.string(),
  customerId: z.string(),
  recordingId: Id.nullable(),
  offsetMs: z.number().int().nullable(),
});

export const ResultPayload = z.object({
  id: Id,
  taskId: Id,
  attemptId: Id.nullable(),
  outcome: ResultOutcome,
  disposition: Disposition,
  notes: z.string().max(2000),
  retryAt: Instant.nullable(),
  supersedesId: Id.nullable(),
  agentId: Id,
  seatId: Id,
  createdAt: Instant,
  answers: z.array(Answer).max(500),
  purposes: z.array(
    z.object({
      purpose: CallbackType,
      outcome: z.string(),
      scriptId: z.string(),
      scriptVersion: z.number().int().positive(),
    }),
  ),
  findings: z.array(FindingPayload),
});

export const OutboxKind = z.enum(['result', 'audit', 'attempt', 'recording']);
export type OutboxKind = z.infer<typeof OutboxKind>;

export const PAYLOADS = {
  result: ResultPayload,
  audit: AuditPayload,
  attempt: AttemptPayload,
  recording: RecordingPayload,
} as const satisfies Record<OutboxKind, z.ZodType>;

export const OutboxEntry = z.object({
  /** The seat's outbox sequence: 1, 2, 3, … with no gap. */
  seq: z.number().int().positive(),
  kind: OutboxKind,
  entityId: z.string(),
  payload: z.unknown(),
  createdAt: Instant,
});
export type OutboxEntry = z.infer<typeof OutboxEntry>;

export const PUSH_MAX_ENTRIES = 1000;

export const PushRequest = z.object({
  seatId: Id,
  entries: z.array(OutboxEntry).min(1).max(PUSH_MAX_ENTRIES),
});
export type PushRequest = z.infer<typeof PushRequest>;

/** Everything up to `appliedSeq` is applied (now or before): the seat may mark it acknowledged. */
export const PushResponse = z.object({ appliedSeq: z.number().int().nonnegative() });
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
  ]),
  message: z.string(),
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
  /** For offline login at the seat: the same scrypt format on both sides. */
  passwordHash: z.string(),
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

export const HealthResponse = z.object({ ok: z.literal(true), db: z.enum(['pglite', 'postgres']) });
