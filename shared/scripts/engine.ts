import { z } from 'zod';
import { AnswerValue, type ResultOutcome } from '../contract/schemas';
import type { CallbackType } from '../domain/callback-types';
import { cloneJson } from './clone';
import { ScriptContext, textFiller } from './context';
import { type MergedScript, MergedScript as MergedScriptSchema, type MergedStep } from './merge';
import { type FindingSpec, type PurposeOutcome, type Severity, StepId } from './schema';
import { type AnswerError, AT_END, checkValue, matches } from './values';

export type { AnswerError } from './values';

/**
 * The state of one call's script: the merged script, the task context and the trail of steps passed with
 * their values. Everything else (where we are, what was skipped, findings) is derived from the trail, so
 * the state is plain JSON: saved after every answer, it resumes at the same step after a crash or reload.
 * The merged script travels with it, so a script edited meanwhile cannot change a call in progress.
 */
export const EngineState = z.strictObject({
  engine: z.literal(1),
  merged: MergedScriptSchema,
  context: ScriptContext,
  trail: z.array(z.strictObject({ stepId: StepId, value: AnswerValue })),
});
export type EngineState = z.infer<typeof EngineState>;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A step as the runner shows it: placeholders filled; `purposes` those it is asked for on this path. */
export type StepView = DistributiveOmit<MergedStep, 'routes'> & { identityFailed: boolean };

export type Progress = { done: number; total: number; remainingRequired: number; atEnd: boolean };

export type Finding = FindingSpec & { stepId: string; purposes: CallbackType[] };
export type RecordedAnswer = { stepId: string; purposes: CallbackType[]; value: AnswerValue };
export type CallOutcome = {
  outcome: Extract<ResultOutcome, 'completed' | 'identity_not_verified'>;
  scripts: { id: string; version: number; callbackType: CallbackType }[];
  purposes: { purpose: CallbackType; outcome: PurposeOutcome }[];
  findings: Finding[];
  /** Every step that took an answer, in the order asked, with the value exactly as given. */
  answers: RecordedAnswer[];
};

export type EngineResult<T> = { ok: true; value: T } | { ok: false; error: AnswerError };

export function start(merged: MergedScript, context: ScriptContext): EngineState {
  return { engine: 1, merged: cloneJson(merged), context: { ...context }, trail: [] };
}

/** Where the trail leads: what each passed step was asked for, and the step now due. */
type Walk = {
  /** Purposes each trail entry was asked for. */
  asked: CallbackType[][];
  /** Index into merged.steps of the current step; the end once identity failed. */
  position: number;
  identityFailed: boolean;
  skips: Map<CallbackType, Set<string>>;
};

function activeFor(step: MergedStep, skips: Map<CallbackType, Set<string>>): CallbackType[] {
  return step.purposes.filter((p) => !skips.get(p)?.has(step.id));
}

/** Applies a passed step's jumps: the matching branch of each purpose it served, else its default. */
function applyRoutes(
  step: MergedStep,
  active: CallbackType[],
  value: AnswerValue | undefined,
  skips: Map<CallbackType, Set<string>>,
): void {
  for (const route of step.routes) {
    if (!active.includes(route.purpose)) continue;
    const branch = value === undefined ? undefined : route.branches.find((b) => matches(step, b.when, value));
    const set = skips.get(route.purpose) ?? new Set<string>();
    for (const id of branch?.skip ?? route.skip) set.add(id);
    skips.set(route.purpose, set);
  }
}

/** The next step some purpose still asks for; the end step stops the search. */
function nextPosition(steps: MergedStep[], from: number, skips: Map<CallbackType, Set<string>>): number {
  let k = from + 1;
  while (k < steps.length - 1 && activeFor(steps[k] as MergedStep, skips).length === 0) k++;
  return Math.min(k, steps.length - 1);
}

function walk(state: EngineState): Walk {
  const steps = state.merged.steps;
  const skips = new Map<CallbackType, Set<string>>();
  const asked: CallbackType[][] = [];
  let position = 0;
  for (const entry of state.trail) {
    const step = steps[position] as MergedStep;
    const active = activeFor(step, skips);
    asked.push(active);
    if (step.kind === 'identity' && entry.value === false) {
      return { asked, position: steps.length - 1, identityFailed: true, skips };
    }
    applyRoutes(step, active, entry.value, skips);
    position = nextPosition(steps, position, skips);
  }
  return { asked, position, identityFailed: false, skips };
}

export function current(state: EngineState): StepView {
  const w = walk(state);
  const steps = state.merged.steps;
  const step = steps[w.position] as MergedStep;
  const { routes: _routes, ...view } = cloneJson(step);
  const fill = textFiller(state.context);
  if (w.identityFailed) {
    // The polite ending of the identity step replaces the normal closing: nothing else is said.
    const identity = steps[0];
    const text = identity?.kind === 'identity' ? identity.failText : view.text;
    return { ...view, text: fill(text), purposes: [...step.purposes], identityFailed: true } as StepView;
  }
  view.text = fill(view.text);
  if (view.note !== undefined) view.note = fill(view.note);
  if (view.kind === 'identity') {
    view.failText = fill(view.failText);
    view.checks = view.checks.map((c) => ({ ...c, label: fill(c.label) }));
  }
  if (view.kind === 'question' && view.options !== undefined) {
    view.options = view.options.map((o) => ({ ...o, label: fill(o.label) }));
  }
  return { ...view, purposes: activeFor(step, w.skips), identityFailed: false } as StepView;
}

/** Records the answer to the current step; refuses a skipped required step or a value that does not fit. */
export function answer(state: EngineState, value: AnswerValue): EngineResult<EngineState> {
  const w = walk(state);
  const step = state.merged.steps[w.position] as MergedStep;
  // After a failed identity check only the polite ending is left, whatever the step index says.
  const error = w.identityFailed ? AT_END : checkValue(step, value);
  if (error !== null) return { ok: false, error };
  // A copy, so the caller changing its array later cannot change what was recorded.
  const kept = Array.isArray(value) ? [...value] : value;
  return { ok: true, value: { ...state, trail: [...state.trail, { stepId: step.id, value: kept }] } };
}

/** Back one step; its answer is dropped and asked again (later answers were already dropped with it). */
export function back(state: EngineState): EngineState {
  if (state.trail.length === 0) return state;
  return { ...state, trail: state.trail.slice(0, -1) };
}

/** Steps passed, and an estimate of what is left if no further branch is taken. */
export function progress(state: EngineState): Progress {
  const w = walk(state);
  const steps = state.merged.steps;
  const done = state.trail.length;
  if (w.identityFailed) return { done, total: done, remainingRequired: 0, atEnd: true };
  const skips = new Map([...w.skips].map(([p, s]) => [p, new Set(s)]));
  let left = 0;
  let required = 0;
  for (let k = w.position; k < steps.length - 1; k = nextPosition(steps, k, skips)) {
    const step = steps[k] as MergedStep;
    left++;
    if ('required' in step && step.required) required++;
    applyRoutes(step, activeFor(step, skips), undefined, skips);
  }
  return { done, total: done + left, remainingRequired: required, atEnd: left === 0 };
}

type Given = Map<string, { step: MergedStep; value: AnswerValue; purposes: CallbackType[] }>;

/** The answers and findings of the trail, in the order asked. */
function collect(
  state: EngineState,
  w: Walk,
): { answers: RecordedAnswer[]; findings: Finding[]; given: Given } {
  const steps = state.merged.steps;
  const answers: RecordedAnswer[] = [];
  const findings: Finding[] = [];
  const given: Given = new Map();
  state.trail.forEach((entry, i) => {
    const step = steps.find((s) => s.id === entry.stepId) as MergedStep;
    const purposes = w.asked[i] ?? [];
    given.set(step.id, { step, value: entry.value, purposes });
    if (step.kind === 'say' || step.kind === 'end') return;
    answers.push({ stepId: step.id, purposes, value: cloneJson(entry.value) });
    if (step.kind !== 'question') return;
    for (const rule of step.findings ?? []) {
      if (matches(step, rule.when, entry.value))
        findings.push({ ...cloneJson(rule.finding), stepId: step.id, purposes });
    }
  });
  return { answers, findings, given };
}

/**
 * What a call cut short left: the answers given so far and the findings they raised. A result that is not
 * `completed` (the customer hung up, asked to be called later) still keeps them.
 */
export function answersSoFar(state: EngineState): Pick<CallOutcome, 'answers' | 'findings'> {
  const { answers, findings } = collect(state, walk(state));
  return { answers, findings };
}

const RANK: Record<Severity, number> = { low: 1, medium: 2, high: 3 };

/** The call's outcome; only at the end (or after a failed identity check). */
export function finish(state: EngineState): EngineResult<CallOutcome> {
  const w = walk(state);
  const at = progress(state);
  if (!at.atEnd) {
    return {
      ok: false,
      error: {
        code: 'not_finished',
        zh: `还有 ${at.remainingRequired} 个必答步骤未完成`,
        en: `${at.remainingRequired} required steps are still open`,
      },
    };
  }
  const { answers, findings, given } = collect(state, w);
  const purposes = state.merged.scripts.map(({ callbackType, outcome: rules }) => {
    if (w.identityFailed) return { purpose: callbackType, outcome: 'identity_not_verified' as const };
    const holds = (when: (typeof rules.rules)[number]['when']): boolean => {
      if ('findingAtLeast' in when) {
        return findings.some(
          (f) => f.purposes.includes(callbackType) && RANK[f.severity] >= RANK[when.findingAtLeast],
        );
      }
      const g = given.get(when.step);
      return g?.purposes.includes(callbackType) === true && matches(g.step, when.is, g.value);
    };
    const rule = rules.rules.find((r) => holds(r.when));
    return { purpose: callbackType, outcome: rule?.outcome ?? rules.default };
  });
  return {
    ok: true,
    value: {
      outcome: w.identityFailed ? 'identity_not_verified' : 'completed',
      scripts: state.merged.scripts.map(({ id, version, callbackType }) => ({ id, version, callbackType })),
      purposes,
      findings,
      answers,
    },
  };
}

/**
 * Restores a saved state. The trail is replayed through `answer`, so a draft that no longer fits its script
 * (edited by hand, cut short on disk) is refused rather than resumed at a wrong step.
 */
export function resume(json: unknown): EngineResult<EngineState> {
  const parsed = EngineState.safeParse(json);
  const broken = (zh: string, en: string): EngineResult<EngineState> => ({
    ok: false,
    error: { code: 'invalid_value', zh, en },
  });
  if (!parsed.success) return broken('保存的回访进度已损坏', 'the saved script progress is damaged');
  let state = start(parsed.data.merged, parsed.data.context);
  for (const entry of parsed.data.trail) {
    if (current(state).id !== entry.stepId)
      return broken('保存的回访进度与脚本不符', 'the saved progress does not fit its script');
    const next = answer(state, entry.value);
    if (!next.ok) return next;
    state = next.value;
  }
  return { ok: true, value: state };
}
