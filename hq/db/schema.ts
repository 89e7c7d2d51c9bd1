import type { ColumnType, Generated } from 'kysely';
import type { DoNotCall, PreferredWindow } from '../../shared/contract/schemas';
import type { ResultTraining } from '../../shared/contract/training';

/** Instants go in and come out as ISO strings (see database.ts); JSONB goes in as JSON text. */
type Instant = string;
type Json<T = unknown> = ColumnType<T, string, string>;
type DefaultNow = ColumnType<Instant, Instant | undefined, Instant>;

export interface HqSchema {
  hq_migrations: { version: number; name: string; applied_at: DefaultNow };
  branches: { id: string; name: string; created_at: DefaultNow };
  users: {
    id: string;
    code: string;
    name: string;
    role: 'agent' | 'reviewer' | 'supervisor' | 'compliance' | 'admin';
    branch_id: string | null;
    password_hash: string;
    staff_id: string | null;
    created_at: DefaultNow;
    must_change_password: Generated<boolean>;
  };
  sessions: {
    token_hash: string;
    user_id: string;
    created_at: Instant;
    expires_at: Instant;
    seat_id: ColumnType<string | null, string | null | undefined, never>;
    last_used_at: Instant | null;
  };
  login_throttle: {
    key: string;
    failures: number;
    first_failure_at: Instant;
    last_failure_at: Instant;
    blocked_until: Instant | null;
    locked_at: Instant | null;
  };
  seats: {
    id: string;
    branch_id: string;
    name: string;
    token_hash: string;
    enrolled_by: string;
    enrolled_at: Instant;
    last_applied_seq: Generated<number>;
    last_seen_at: Instant | null;
    /** The seat's clock minus head office's at its last sync (migration 0010). */
    clock_offset_ms: number | null;
    clock_checked_at: Instant | null;
    /** The last link head office took of the seat's audit chain (migration 0012). */
    audit_chain_seq: ColumnType<number | null, never, number | null>;
    audit_chain_hash: ColumnType<string | null, never, string | null>;
    /** An administrator revoked the seat's token (migration 0013): refused until it is enrolled again. */
    revoked_at: ColumnType<Instant | null, Instant | null | undefined, Instant | null>;
    revoked_by: ColumnType<string | null, string | null | undefined, string | null>;
    /** When the current token was issued; null for one from before migration 0013 (see enrolled_at). */
    token_issued_at: ColumnType<Instant | null, Instant | null | undefined, Instant | null>;
  };
  salespeople: { id: string; code: string; name: string; branch_id: string; departed_at: Instant | null };
  customers: {
    id: string;
    name: string;
    id_number: string;
    phone: string;
    branch_id: string;
    salesperson_id: string | null;
    introducer_id: string | null;
    opened_at: Instant | null;
    channel: 'counter' | 'nonsite' | null;
    margin: boolean;
    /** 免打扰 and 偏好时段 (migration 0015), with when each was last changed. */
    do_not_call: ColumnType<DoNotCall | null, string | null | undefined, string | null>;
    do_not_call_at: ColumnType<Instant | null, Instant | null | undefined, Instant | null>;
    preferred_times: ColumnType<PreferredWindow[], string | undefined, string>;
    preferred_times_at: ColumnType<Instant | null, Instant | null | undefined, Instant | null>;
  };
  tasks: {
    id: string;
    customer_id: string;
    branch_id: string;
    status: 'open' | 'closed';
    assigned_seat_id: string | null;
    deadline_at: Instant;
    next_attempt_at: Instant | null;
    created_at: Instant;
  };
  task_purposes: {
    task_id: string;
    type: string;
    deadline_at: Instant;
    reason: string;
    salesperson_id: string | null;
    source_key: string;
    created_at: Instant;
  };
  changes: {
    seq: Generated<number>;
    branch_id: string;
    seat_id: string | null;
    kind: 'task' | 'revoke' | 'customer' | 'salesperson' | 'agent' | 'script' | 'setting';
    entity_id: string;
    at: DefaultNow;
  };
  seat_entries: {
    seat_id: string;
    seq: number;
    kind: string;
    entity_id: string;
    created_at: Instant;
    applied_at: Instant;
    /** SHA-256 of the entry's kind, id and payload as sent (migration 0009; NULL before it). */
    content_sha256: string | null;
    /** What was subtracted from the seat's times of this entry to put them on head office's clock (0010). */
    clock_offset_ms: number | null;
  };
  quarantine: {
    seat_id: string;
    seq: number;
    branch_id: string;
    kind: string;
    entity_id: string;
    status: number;
    code: string;
    reason: string;
    body: string;
    received_at: Instant;
  };
  attempts: {
    id: string;
    task_id: string;
    seat_id: string;
    agent_id: string;
    started_at: Instant;
    number_masked: string;
    answered_at: Instant | null;
    ended_at: Instant;
    outcome: string;
    sip_code: number | null;
    /** The persona who answered a call on the training line (migration 0014); both null for a real call. */
    persona_id: ColumnType<string | null, string | null | undefined, never>;
    persona_version: ColumnType<number | null, number | null | undefined, never>;
  };
  results: {
    id: string;
    task_id: string;
    seat_id: string;
    agent_id: string;
    attempt_id: string | null;
    outcome: string;
    disposition: string;
    notes: string;
    retry_at: Instant | null;
    supersedes_id: string | null;
    created_at: Instant;
    received_at: Instant;
    flag: string | null;
    branch_id: string | null;
    customer_id: string | null;
    /** A training call's persona and completeness (migration 0014); null for a real result. */
    training: ColumnType<ResultTraining | null, string | null | undefined, never>;
  };
  answers: {
    result_id: string;
    step_id: string;
    purposes: Json<string[]>;
    value: Json;
    answered_at: Instant;
    recording_id: string;
    offset_ms: number;
  };
  result_purposes: {
    result_id: string;
    purpose: string;
    outcome: string;
    script_id: string;
    script_version: number;
  };
  findings: {
    id: string;
    result_id: string;
    step_id: string;
    purposes: Json<string[]>;
    category: string;
    severity: string;
    about: string;
    text_zh: string;
    salesperson_id: string | null;
    branch_id: string;
    customer_id: string;
    recording_id: string | null;
    offset_ms: number | null;
    /** Raised on a training call (migration 0014): never evidence, left out of every findings query. */
    training: ColumnType<boolean, boolean | undefined, never>;
  };
  recordings: {
    id: string;
    attempt_id: string;
    seat_id: string;
    mime_type: string;
    sha256: string;
    size_bytes: number;
    duration_ms: number | null;
    status: string;
    started_at: Instant;
    finished_at: Instant;
    stored_at: Instant | null;
  };
  playback_copies: {
    recording_id: string;
    sha256: string;
    size_bytes: number;
    duration_ms: number;
    peaks: Json<{ left: number[]; right: number[] }>;
    made_at: Instant;
  };
  playback_grants: {
    token_hash: string;
    recording_id: string;
    user_id: string;
    seat_id: string | null;
    created_at: Instant;
    expires_at: Instant;
  };
  legal_holds: {
    id: string;
    recording_id: string;
    action: 'place' | 'release';
    reason: string;
    user_id: string;
    at: Instant;
  };
  recording_purges: { recording_id: string; retain_until: Instant; purged_at: Instant };
  recheck_plans: {
    branch_id: string;
    share: number;
    period: 'month' | 'quarter';
    updated_by: string | null;
    updated_at: Instant;
  };
  recheck_forms: { id: string; version: number; body: Json; published_at: Instant };
  rechecks: {
    id: string;
    result_id: string;
    branch_id: string;
    period_key: string;
    assigned_to: string | null;
    sampled_at: Instant;
  };
  recheck_evaluations: {
    recheck_id: string;
    reviewer_id: string;
    form_id: string;
    form_version: number;
    items: Json<{ criterionId: string; passed: boolean; comment: string }[]>;
    comments: Json<{ atMs: number; text: string }[]>;
    summary: string;
    score: number;
    passed: boolean;
    follow_up_task_id: string | null;
    evaluated_at: Instant;
  };
  finding_actions: {
    id: string;
    finding_id: string;
    action: 'assign' | 'resolve';
    assignee_id: string | null;
    note: string;
    by_user: string;
    at: Instant;
  };
  scripts: {
    id: string;
    version: number;
    callback_type: string;
    body: Json;
    published_by: string | null;
    published_at: Instant;
  };
  branch_settings: {
    branch_id: string;
    key: string;
    value: Json;
    updated_by: string | null;
    updated_at: Instant;
  };
  feed_keys: {
    source_key: string;
    decision: 'created' | 'merged' | 'imported';
    import_id: string;
    at: Instant;
  };
  feed_imports: {
    id: string;
    kind: string;
    user_id: string | null;
    at: Instant;
    rows: number;
    report: Json<Record<string, unknown>>;
  };
  audit: {
    id: string;
    at: Instant;
    seat_id: string | null;
    user_id: string | null;
    action: string;
    entity_type: string;
    entity_id: string;
    detail: Json<Record<string, unknown>>;
    ip: string | null;
    /** The audit chains (migration 0012, hq/audit-chain.ts): NULL for head office's own chain. */
    chain_seat_id: ColumnType<string | null, string | null | undefined, never>;
    chain_seq: ColumnType<number | null, number | null | undefined, never>;
    prev_hash: ColumnType<string | null, string | null | undefined, never>;
    hash: ColumnType<string | null, string | null | undefined, never>;
    entry_seq: ColumnType<number | null, number | null | undefined, never>;
    seat_at: ColumnType<Instant | null, Instant | null | undefined, never>;
  };
  audit_keys: { public_key: string; created_at: Instant };
}
