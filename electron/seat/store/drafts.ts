import { v7 as uuidv7 } from 'uuid';
import { type AnswerValue, type ScriptDraft, SeatError } from '../../../shared/contract';
import type { CallbackType } from '../../../shared/domain/callback-types';
import { idNumberSex } from '../../../shared/domain/id-number';
import type { ScriptContext } from '../../../shared/scripts/context';
import { answer, back, current, type EngineState, resume, start } from '../../../shared/scripts/engine';
import { MergeError, mergeScripts } from '../../../shared/scripts/merge';
import { type Db, stmt } from './database';
import { currentScripts } from './scripts';
import { type Actor, visibleTask } from './tasks';

/** When and where in which recording each trail entry was given (same order as the engine's trail). */
export interface DraftMark {
  at: string;
  recordingId: string;
  offsetMs: number;
}

export interface Draft {
  agentId: string;
  state: EngineState;
  marks: DraftMark[];
  /** The wrap-up notes typed so far. */
  notes: string;
}

/** The task's draft; null when there is none. A draft that no longer replays is a defect, not a value. */
export function readDraft(db: Db, taskId: string): Draft | null {
  const row = stmt<[string], { agentId: string; state: string; marks: string; notes: string }>(
    db,
    'SELECT agent_id AS agentId, state, marks, notes FROM script_drafts WHERE task_id = ?',
  ).get(taskId);
  if (!row) return null;
  const state = resume(JSON.parse(row.state));
  if (!state.ok) throw new Error(`script draft of task ${taskId} does not replay: ${state.error.en}`);
  return {
    agentId: row.agentId,
    state: state.value,
    marks: JSON.parse(row.marks) as DraftMark[],
    notes: row.notes,
  };
}

function saveDraft(db: Db, taskId: string, draft: Draft, at: string): void {
  stmt(
    db,
    `INSERT INTO script_drafts (task_id, agent_id, state, marks, notes, updated_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (task_id) DO UPDATE SET agent_id = excluded.agent_id, state = excluded.state,
       marks = excluded.marks, notes = excluded.notes, updated_at = excluded.updated_at`,
  ).run(taskId, draft.agentId, JSON.stringify(draft.state), JSON.stringify(draft.marks), draft.notes, at);
}

export function deleteDraft(db: Db, taskId: string): void {
  stmt(db, 'DELETE FROM script_drafts WHERE task_id = ?').run(taskId);
}

const view = (taskId: string, draft: Draft): ScriptDraft => ({
  taskId,
  state: draft.state,
  answered: draft.marks.length,
  notes: draft.notes,
});

/** Two-character surnames common enough to matter for 先生/女士; anything else takes the first character. */
const COMPOUND_SURNAMES = [
  '欧阳',
  '司马',
  '诸葛',
  '上官',
  '东方',
  '皇甫',
  '尉迟',
  '公孙',
  '慕容',
  '令狐',
  '夏侯',
];

export function surnameOf(name: string): string {
  const compound = COMPOUND_SURNAMES.find((s) => name.startsWith(s) && name.length > s.length);
  return compound ?? [...name][0] ?? '';
}

/** Local date (China time) of an instant, `YYYY-MM-DD`. */
const chinaDate = (iso: string) =>
  new Date(new Date(iso).getTime() + 8 * 3600_000).toISOString().slice(0, 10);

function scriptContext(db: Db, actor: Actor, taskId: string, customerId: string): ScriptContext {
  const c = stmt<[string], { name: string; idNumber: string; openedAt: string | null; sp: string | null }>(
    db,
    `SELECT c.name, c.id_number AS idNumber, c.opened_at AS openedAt, s.name AS sp
     FROM customers c LEFT JOIN salespeople s ON s.id = c.salesperson_id WHERE c.id = ?`,
  ).get(customerId);
  if (!c) throw new SeatError('NOT_FOUND', '客户不存在');
  // A purpose about a particular salesperson (a departure) names that one.
  const purposeSp = stmt<[string], { name: string }>(
    db,
    `SELECT s.name FROM task_purposes p JOIN salespeople s ON s.id = p.salesperson_id WHERE p.task_id = ?
     ORDER BY p.type LIMIT 1`,
  ).get(taskId);
  const seat = stmt<[], { branchName: string }>(db, 'SELECT branch_name AS branchName FROM seat').get();
  const agent = stmt<[string], { code: string }>(db, 'SELECT code FROM agents WHERE id = ?').get(
    actor.agentId,
  );
  let sex: ScriptContext['customerSex'] = 'unknown';
  try {
    sex = idNumberSex(c.idNumber);
  } catch {
    // A malformed ID number (an import error) leaves the polite form open: 先生/女士.
  }
  return {
    customerSurname: surnameOf(c.name),
    customerSex: sex,
    branchName: seat?.branchName ?? '',
    salespersonName: purposeSp?.name ?? c.sp,
    openedDate: c.openedAt ? chinaDate(c.openedAt) : null,
    agentCode: agent?.code ?? '',
  };
}

/**
 * The task's script: the agent's draft as it was left, or a new one merged from the current script of each
 * purpose. Another agent's draft is not continued (identity is verified again by whoever calls now).
 */
export function openDraft(db: Db, actor: Actor, taskId: string, at: string): ScriptDraft {
  const task = visibleTask(db, actor, taskId);
  if (task.status !== 'open') throw new SeatError('CONFLICT', '该任务已结案，无需再进行回访');
  const existing = readDraft(db, taskId);
  // Continued once answered; a draft nothing was answered in is made again from the current scripts.
  if (existing && existing.agentId === actor.agentId && existing.state.trail.length > 0) {
    return view(taskId, existing);
  }
  const types = stmt<[string], { type: CallbackType }>(db, 'SELECT type FROM task_purposes WHERE task_id = ?')
    .all(taskId)
    .map((p) => p.type);
  let merged: ReturnType<typeof mergeScripts>;
  try {
    merged = mergeScripts(currentScripts(db, types));
  } catch (error) {
    if (error instanceof MergeError) {
      throw new SeatError('CONFLICT', `回访脚本无法合并（${error.message}），请联系管理员`);
    }
    throw error;
  }
  const draft: Draft = {
    agentId: actor.agentId,
    state: start(merged, scriptContext(db, actor, taskId, task.customerId)),
    marks: [],
    // Notes typed before a script change are kept.
    notes: existing?.agentId === actor.agentId ? existing.notes : '',
  };
  saveDraft(db, taskId, draft, at);
  return view(taskId, draft);
}

function ownDraft(db: Db, actor: Actor, taskId: string): Draft {
  visibleTask(db, actor, taskId);
  const draft = readDraft(db, taskId);
  if (!draft || draft.agentId !== actor.agentId) {
    throw new SeatError('CONFLICT', '请先打开该任务的回访脚本');
  }
  return draft;
}

const sameValue = (a: AnswerValue, b: AnswerValue) => JSON.stringify(a) === JSON.stringify(b);

export interface AnswerArgs {
  taskId: string;
  stepId: string;
  value: AnswerValue;
  recordingId: string;
  offsetMs: number;
}

/** Slack for the renderer's clock against the seat's when checking an offset. */
const OFFSET_SLACK_MS = 5000;

/**
 * Saves the answer to the current step with its moment in the recording of the call in progress, and marks
 * that moment on the recording's timeline, in one transaction (the caller's).
 */
export function answerDraft(db: Db, actor: Actor, args: AnswerArgs, at: string): ScriptDraft {
  const draft = ownDraft(db, actor, args.taskId);
  const step = current(draft.state);
  if (step.id !== args.stepId) {
    const last = draft.state.trail.at(-1);
    // The same answer again (its reply was lost): already saved.
    if (last?.stepId === args.stepId && sameValue(last.value, args.value)) return view(args.taskId, draft);
    throw new SeatError('CONFLICT', '该步骤已不是当前步骤，请刷新后继续');
  }
  const recording = stmt<[string], { taskId: string; agentId: string; startedAt: string }>(
    db,
    `SELECT a.task_id AS taskId, r.agent_id AS agentId, r.started_at AS startedAt
     FROM recordings_open r JOIN attempts a ON a.id = r.attempt_id WHERE r.id = ?`,
  ).get(args.recordingId);
  if (!recording || recording.taskId !== args.taskId || recording.agentId !== actor.agentId) {
    throw new SeatError('CONFLICT', '通话录音未在进行：接通客户后才能记录回答');
  }
  const elapsed = new Date(at).getTime() - new Date(recording.startedAt).getTime();
  if (args.offsetMs > elapsed + OFFSET_SLACK_MS) throw new SeatError('BAD_REQUEST', '录音位置无效');
  const next = answer(draft.state, args.value);
  if (!next.ok) throw new SeatError('BAD_REQUEST', next.error.zh);
  stmt(db, 'INSERT INTO recording_marks (id, recording_id, offset_ms, label, at) VALUES (?, ?, ?, ?, ?)').run(
    uuidv7(),
    args.recordingId,
    args.offsetMs,
    `${step.kind}:${step.id}`,
    at,
  );
  const saved: Draft = {
    ...draft,
    state: next.value,
    marks: [...draft.marks, { at, recordingId: args.recordingId, offsetMs: args.offsetMs }],
  };
  saveDraft(db, args.taskId, saved, at);
  return view(args.taskId, saved);
}

/** Withdraws the last answer (it is asked again); the recording's mark of it stays, as marks are facts. */
export function backDraft(db: Db, actor: Actor, taskId: string, at: string): ScriptDraft {
  const draft = ownDraft(db, actor, taskId);
  if (draft.state.trail.length === 0) return view(taskId, draft);
  const saved: Draft = { ...draft, state: back(draft.state), marks: draft.marks.slice(0, -1) };
  saveDraft(db, taskId, saved, at);
  return view(taskId, saved);
}

/** Keeps the wrap-up notes as they are typed, so a crash or reload loses none of them. */
export function saveNotes(db: Db, actor: Actor, taskId: string, notes: string, at: string): void {
  const draft = ownDraft(db, actor, taskId);
  saveDraft(db, taskId, { ...draft, notes }, at);
}
