import { z } from 'zod';
import {
  CALLBACK_TYPES,
  type CallbackType,
  CallbackType as CallbackTypeSchema,
} from '../domain/callback-types';
import type { ScriptProblem } from './check';
import { cloneJson } from './clone';
import {
  AnswerMatch,
  DisclosureStep,
  EndStep,
  IdentityStep,
  LocalizedText,
  OutcomeRules,
  QuestionStep,
  SayStep,
  type Script,
  type Step,
  StepId,
} from './schema';

/**
 * Jumps become skip lists per purpose: "answer `when` → this purpose does not ask these steps". Unlike a goto
 * this survives merging: a step skipped by one purpose is still asked when another purpose needs it.
 */
export const Route = z.strictObject({
  purpose: CallbackTypeSchema,
  skip: z.array(StepId),
  branches: z.array(z.strictObject({ when: AnswerMatch, skip: z.array(StepId) })),
});
export type Route = z.infer<typeof Route>;

const served = { purposes: z.array(CallbackTypeSchema).min(1), routes: z.array(Route) };
export const MergedStep = z.discriminatedUnion('kind', [
  SayStep.omit({ next: true }).extend(served),
  DisclosureStep.omit({ next: true }).extend(served),
  QuestionStep.omit({ next: true, branches: true }).extend(served),
  IdentityStep.extend(served),
  EndStep.extend(served),
]);
export type MergedStep = z.infer<typeof MergedStep>;

/** The scripts a call used, kept with its result (id + version) so a later version never rewrites history. */
export const ScriptRef = z.strictObject({
  id: z.string(),
  version: z.number().int().positive(),
  callbackType: CallbackTypeSchema,
  title: LocalizedText,
  outcome: OutcomeRules,
});
export type ScriptRef = z.infer<typeof ScriptRef>;

/** One call for one customer (一事一扰): identity first, every purpose's steps, one end. */
export const MergedScript = z.strictObject({
  scripts: z.array(ScriptRef).min(1),
  steps: z.array(MergedStep).min(2),
});
export type MergedScript = z.infer<typeof MergedScript>;

export class MergeError extends Error {
  override readonly name = 'MergeError';
}

/**
 * Merges the scripts of one task's purposes. Scripts are ordered by callback type (the account-opening
 * decision first), so the same purposes always give the same call whatever order the task lists them in.
 * A step id used by several scripts (a conduct question, the market-risk disclosure) is asked once, where it
 * first occurs; a disclosure whose Chinese text another script already has is not read twice. Closing steps
 * of every script come last, just before the one end.
 * Throws MergeError when scripts disagree (`checkSharedSteps` finds that when the library is loaded).
 */
export function mergeScripts(scripts: Script[]): MergedScript {
  if (scripts.length === 0) throw new MergeError('没有可合并的脚本');
  const problems = checkSharedSteps(scripts);
  if (problems[0] !== undefined) throw new MergeError(`${problems[0].stepId}：${problems[0].zh}`);
  const sorted = [...scripts].sort(
    (a, b) => CALLBACK_TYPES.indexOf(a.callbackType) - CALLBACK_TYPES.indexOf(b.callbackType),
  );
  const purposes = sorted.map((s) => s.callbackType);
  const refs = sorted.map(({ id, version, callbackType, title, outcome }) => ({
    id,
    version,
    callbackType,
    title,
    outcome,
  }));
  const first = sorted[0] as Script;
  const identity = first.steps[0];
  const end = first.steps[first.steps.length - 1];
  if (identity?.kind !== 'identity' || end?.kind !== 'end') throw new MergeError(`脚本 ${first.id} 未经校验`);

  // Identity once: the union of what every purpose needs verified.
  const checks = new Map(identity.checks.map((c) => [c.id, c]));
  for (const script of sorted) {
    const own = script.steps[0];
    if (own?.kind === 'identity') for (const c of own.checks) if (!checks.has(c.id)) checks.set(c.id, c);
  }
  const noRoutes = purposes.map((purpose) => ({ purpose, skip: [], branches: [] }));
  const body: MergedStep[] = [];
  const closing: MergedStep[] = [];
  const byId = new Map<string, MergedStep>();
  const byDisclosureText = new Map<string, MergedStep>();

  for (const script of sorted) {
    const purpose = script.callbackType;
    const steps = script.steps.slice(1, -1);
    const endId = script.steps[script.steps.length - 1]?.id;
    // Each step of this script → the merged step that asks it (itself, a shared id or an equal disclosure).
    const alias = new Map<string, string>();
    for (const step of steps) {
      const same =
        byId.get(step.id) ?? (step.kind === 'disclosure' ? byDisclosureText.get(step.text.zh) : undefined);
      alias.set(step.id, same?.id ?? step.id);
      if (same === undefined) {
        const merged = toMerged(step, purpose);
        ('closing' in step && step.closing === true ? closing : body).push(merged);
        byId.set(merged.id, merged);
        if (merged.kind === 'disclosure') byDisclosureText.set(merged.text.zh, merged);
      } else {
        if (!same.purposes.includes(purpose)) same.purposes.push(purpose);
        if (same.kind === 'say' || same.kind === 'disclosure' || same.kind === 'question') {
          same.required ||= 'required' in step && step.required;
        }
        if (same.kind === 'question' && step.kind === 'question') same.findings = unionFindings(same, step);
      }
    }
    // Steps strictly between step i and `next` (all the rest when `next` is the end), as merged ids.
    const skipped = (i: number, next: string): string[] => {
      const j = next === endId ? steps.length : steps.findIndex((s) => s.id === next);
      return steps.slice(i + 1, j).map((s) => alias.get(s.id) ?? s.id);
    };
    steps.forEach((step, i) => {
      const merged = byId.get(alias.get(step.id) ?? step.id);
      if (merged === undefined || merged.routes.some((r) => r.purpose === purpose)) return;
      merged.routes.push({
        purpose,
        skip: 'next' in step && step.next !== undefined ? skipped(i, step.next) : [],
        branches:
          step.kind === 'question'
            ? (step.branches ?? []).map((b) => ({ when: b.when, skip: skipped(i, b.next) }))
            : [],
      });
    });
  }

  return {
    scripts: refs,
    steps: [
      { ...identity, checks: [...checks.values()], purposes: [...purposes], routes: cloneJson(noRoutes) },
      ...body,
      ...closing,
      { ...end, purposes: [...purposes], routes: cloneJson(noRoutes) },
    ],
  };
}

function toMerged(step: Step, purpose: CallbackType): MergedStep {
  const copy = cloneJson(step);
  if (copy.kind === 'identity' || copy.kind === 'end') return { ...copy, purposes: [purpose], routes: [] };
  const { next: _next, ...rest } = copy;
  if (rest.kind === 'question') {
    const { branches: _branches, ...question } = rest;
    return { ...question, purposes: [purpose], routes: [] };
  }
  return { ...rest, purposes: [purpose], routes: [] };
}

function unionFindings(
  merged: Extract<MergedStep, { kind: 'question' }>,
  step: Extract<Step, { kind: 'question' }>,
) {
  const all = [...(merged.findings ?? [])];
  const key = (r: { when: unknown; finding: { category: string } }) =>
    `${String(r.when)}|${r.finding.category}`;
  const seen = new Set(all.map(key));
  for (const rule of step.findings ?? []) if (!seen.has(key(rule))) all.push(cloneJson(rule));
  return all;
}

/**
 * Shared step ids must mean the same thing in every script: same kind, same input, same options. Run over
 * the whole library on load, so a call never meets a merge that cannot be made.
 */
export function checkSharedSteps(scripts: readonly Script[]): ScriptProblem[] {
  const problems: ScriptProblem[] = [];
  const types = new Set<CallbackType>();
  const seen = new Map<string, { script: Script; step: Step }>();
  for (const script of scripts) {
    if (types.has(script.callbackType)) {
      problems.push({
        stepId: null,
        zh: `回访类型 ${script.callbackType} 有多个脚本`,
        en: `callback type ${script.callbackType} has more than one script`,
      });
    }
    types.add(script.callbackType);
    for (const step of script.steps.slice(1, -1)) {
      const earlier = seen.get(step.id);
      if (earlier === undefined) {
        seen.set(step.id, { script, step });
      } else if (shape(earlier.step) !== shape(step)) {
        problems.push({
          stepId: step.id,
          zh: `在脚本 ${earlier.script.id} 与 ${script.id} 中定义不一致（类型、题型或选项不同）`,
          en: `differs between scripts ${earlier.script.id} and ${script.id} (kind, input or options)`,
        });
      }
    }
  }
  return problems;
}

function shape(step: Step): string {
  if (step.kind !== 'question') return step.kind;
  return `${step.kind}|${step.input}|${(step.options ?? []).map((o) => o.id).join(',')}`;
}
