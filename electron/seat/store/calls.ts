import { type AttemptTraining, SeatError } from '../../../shared/contract';
import { type Db, stmt } from './database';
import { appendAudit, enqueue } from './journal';

export interface AttemptStart {
  attemptId: string;
  taskId: string;
  agentId: string;
  seatId: string;
  numberMasked: string;
  at: string;
  /** On the training line: the persona who answers, and the steps at which they give cause for a finding. */
  training: (AttemptTraining & { findings: readonly string[] }) | null;
}

/** The attempt's start fact and its `call.dial` audit entry, in one transaction. Idempotent on the id. */
export function startAttempt(db: Db, a: AttemptStart): void {
  db.transaction(() => {
    const existing = stmt<[string], { taskId: string; agentId: string; persona: string | null }>(
      db,
      'SELECT task_id AS taskId, agent_id AS agentId, training_persona_id AS persona FROM attempts WHERE id = ?',
    ).get(a.attemptId);
    if (existing) {
      if (
        existing.taskId !== a.taskId ||
        existing.agentId !== a.agentId ||
        existing.persona !== (a.training?.personaId ?? null)
      ) {
        throw new SeatError('CONFLICT', '该呼叫编号已被使用');
      }
      return;
    }
    stmt(
      db,
      `INSERT INTO attempts (id, task_id, agent_id, seat_id, started_at, number_masked, training_persona_id,
                             training_persona_version, training_findings)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      a.attemptId,
      a.taskId,
      a.agentId,
      a.seatId,
      a.at,
      a.numberMasked,
      a.training?.personaId ?? null,
      a.training?.personaVersion ?? null,
      a.training ? JSON.stringify(a.training.findings) : null,
    );
    appendAudit(
      db,
      a.seatId,
      {
        agentId: a.agentId,
        action: 'call.dial',
        entityType: 'attempt',
        entityId: a.attemptId,
        detail: {
          taskId: a.taskId,
          ...(a.training ? { training: { personaId: a.training.personaId } } : {}),
        },
      },
      a.at,
    );
  }).immediate();
}

export interface AttemptEnd {
  attemptId: string;
  agentId: string;
  seatId: string;
  answeredAt: string | null;
  endedAt: string;
  outcome: string;
  sipCode: number | null;
}

/** The attempt's ending fact. The same ending again is a no-op (a retried call); another one a CONFLICT. */
export function endAttempt(db: Db, e: AttemptEnd): void {
  db.transaction(() => {
    const attempt = stmt<[string], { agentId: string }>(
      db,
      'SELECT agent_id AS agentId FROM attempts WHERE id = ?',
    ).get(e.attemptId);
    if (!attempt) throw new SeatError('NOT_FOUND', '呼叫记录不存在');
    if (attempt.agentId !== e.agentId) throw new SeatError('FORBIDDEN', '只能结束自己发起的呼叫');
    const ended = stmt<[string], { outcome: string; endedAt: string }>(
      db,
      'SELECT outcome, ended_at AS endedAt FROM attempt_endings WHERE attempt_id = ?',
    ).get(e.attemptId);
    if (ended) {
      if (ended.outcome === e.outcome && ended.endedAt === e.endedAt) return;
      throw new SeatError('CONFLICT', '该呼叫已记录结束');
    }
    insertEnding(db, e.seatId, e);
  }).immediate();
}

/** The ending fact and the outbox entry that carries the whole attempt (start and ending) to head office. */
function insertEnding(db: Db, seatId: string, e: Omit<AttemptEnd, 'agentId' | 'seatId'>): void {
  stmt(
    db,
    `INSERT INTO attempt_endings (attempt_id, answered_at, ended_at, outcome, sip_code) VALUES (?, ?, ?, ?, ?)`,
  ).run(e.attemptId, e.answeredAt, e.endedAt, e.outcome, e.sipCode);
  const row = stmt<
    [string],
    Record<string, unknown> & { personaId: string | null; personaVersion: number | null }
  >(
    db,
    `SELECT id, task_id AS taskId, agent_id AS agentId, seat_id AS seatId, started_at AS startedAt,
            number_masked AS numberMasked, training_persona_id AS personaId,
            training_persona_version AS personaVersion FROM attempts WHERE id = ?`,
  ).get(e.attemptId);
  if (!row) throw new Error(`attempt ${e.attemptId} vanished`);
  const { personaId, personaVersion, ...start } = row;
  const training = personaId !== null && personaVersion !== null ? { personaId, personaVersion } : null;
  enqueue(db, seatId, 'attempt', e.attemptId, { ...start, ...e, training }, e.endedAt);
}

/** Attempts a crash cut off (started, never ended): each gets the ending `interrupted`. Returns how many. */
export function interruptOpenAttempts(db: Db, seatId: string, at: string): number {
  return db
    .transaction(() => {
      const open = stmt<[], { id: string }>(
        db,
        `SELECT a.id FROM attempts a WHERE NOT EXISTS (SELECT 1 FROM attempt_endings e WHERE e.attempt_id = a.id)`,
      ).all();
      for (const { id } of open) {
        insertEnding(db, seatId, {
          attemptId: id,
          answeredAt: null,
          endedAt: at,
          outcome: 'interrupted',
          sipCode: null,
        });
      }
      return open.length;
    })
    .immediate();
}
