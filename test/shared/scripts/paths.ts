/** Random paths through merged scripts, shared by the property tests (engine.property, merge.property). */
import fc from 'fast-check';
import { expect } from 'vitest';
import { AnswerValue } from '../../../shared/contract/schemas';
import type { CallbackType } from '../../../shared/domain/callback-types';
import {
  answer,
  back,
  current,
  type EngineState,
  finish,
  progress,
  resume,
  type StepView,
  start,
} from '../../../shared/scripts/engine';
import type { MergedScript } from '../../../shared/scripts/merge';
import { mergeScripts } from '../../../shared/scripts/merge';
import { loadLibrary, scriptFor } from './library';
import { CONTEXT } from './walk';

const library = loadLibrary();
const merge = (types: CallbackType[]) => mergeScripts(types.map((t) => scriptFor(library, t)));
type Gen = fc.GeneratorValue;

/** A random answer that fits the step, as an agent might record it. */
function randomValue(g: Gen, step: StepView): AnswerValue {
  switch (step.kind) {
    case 'say':
    case 'end':
      return null;
    case 'identity':
      // Mostly passed, so most paths go past identity.
      return g(fc.integer, { min: 0, max: 9 }) > 0;
    case 'disclosure':
      return step.required || g(fc.boolean) ? true : null;
    case 'question': {
      if (!step.required && g(fc.integer, { min: 0, max: 3 }) === 0) return null;
      const ids = (step.options ?? []).map((o) => o.id);
      switch (step.input) {
        case 'yes_no':
          return g(fc.boolean);
        case 'single_choice':
          return g(fc.constantFrom, ...ids);
        case 'multi_choice':
          return g(fc.shuffledSubarray, ids, { minLength: 1 });
        case 'free_text':
          return `答${g(fc.string, { maxLength: 30 })}`;
        case 'date':
          return g(fc.date, { min: new Date('1990-01-01'), max: new Date('2060-12-31'), noInvalidDate: true })
            .toISOString()
            .slice(0, 10);
        case 'number':
          return g(fc.integer, { min: step.min ?? -1000, max: step.max ?? 1000 });
      }
    }
  }
}

/** A value that does not fit the step, which the engine must refuse. */
function wrongValue(step: StepView): AnswerValue {
  if (step.kind === 'say') return true;
  if (step.kind === 'identity') return 'yes';
  if (step.kind === 'disclosure') return false;
  if (step.kind !== 'question') return null;
  const wrong = {
    yes_no: 'yes',
    single_choice: 'no_such_option',
    multi_choice: [],
    free_text: '  ',
    date: '2025-02-30',
  };
  return step.input === 'number' ? 'many' : wrong[step.input];
}

type Asked = { stepId: string; value: AnswerValue };

/**
 * Walks one random path: at each step checks that a required step cannot be skipped and a wrong value is
 * refused, sometimes goes back, sometimes saves and resumes; returns the end state and what was asked.
 */
function walkRandomly(merged: MergedScript, g: Gen): { state: EngineState; asked: Asked[] } {
  let state = start(merged, CONTEXT);
  const trail: (Asked & { recorded: boolean })[] = [];
  for (let guard = 0; guard < 1000; guard++) {
    const step = current(state);
    const before = progress(state);
    if (before.atEnd) {
      expect(step.kind).toBe('end');
      return {
        state,
        asked: trail.filter((t) => t.recorded).map(({ stepId, value }) => ({ stepId, value })),
      };
    }
    expect(step.kind).not.toBe('end');
    expect(before.remainingRequired).toBeLessThanOrEqual(before.total - before.done);
    expect(finish(state).ok).toBe(false);
    if (step.kind !== 'say' && step.kind !== 'end' && step.required) {
      expect(answer(state, null)).toMatchObject({ ok: false, error: { code: 'required' } });
    }
    expect(answer(state, wrongValue(step)).ok).toBe(false);

    const move = g(fc.integer, { min: 0, max: 19 });
    if (move === 0 && trail.length > 0) {
      state = back(state);
      trail.pop();
      continue;
    }
    if (move === 1) {
      const restored = resume(JSON.parse(JSON.stringify(state)));
      expect(restored.ok && current(restored.value)).toEqual(step);
    }
    const value = randomValue(g, step);
    const next = answer(state, value);
    if (!next.ok) throw new Error(`${step.id} refused ${JSON.stringify(value)}: ${next.error.en}`);
    state = next.value;
    expect(progress(state).done).toBe(before.done + 1);
    trail.push({ stepId: step.id, value, recorded: step.kind !== 'say' });
  }
  throw new Error('the path did not end');
}

const ACCOUNT_DECISION = new Set(['release', 'hold', 'identity_not_verified']);
const OTHER = new Set(['pass', 'follow_up', 'identity_not_verified']);

export function checkPath(types: CallbackType[], numRuns: number): void {
  const merged = merge(types);
  fc.assert(
    fc.property(fc.gen(), (g) => {
      const { state, asked } = walkRandomly(merged, g);
      const result = finish(state);
      if (!result.ok) throw new Error(result.error.en);
      const { outcome, purposes, answers, findings, scripts } = result.value;

      // Every path ends in a valid outcome for every purpose.
      expect(purposes.map((p) => p.purpose)).toEqual(merged.scripts.map((s) => s.callbackType));
      expect(scripts.map((s) => `${s.id}@${s.version}`)).toEqual(
        merged.scripts.map((s) => `${s.id}@${s.version}`),
      );
      for (const p of purposes) {
        expect((p.purpose === 'nonsite_qualification' ? ACCOUNT_DECISION : OTHER).has(p.outcome)).toBe(true);
      }
      const identityFailed = asked[0]?.value === false;
      expect(outcome).toBe(identityFailed ? 'identity_not_verified' : 'completed');
      if (identityFailed) expect(purposes.every((p) => p.outcome === 'identity_not_verified')).toBe(true);
      else expect(purposes.some((p) => p.outcome === 'identity_not_verified')).toBe(false);

      // The answers recorded are exactly those asked, values as given; identity once and first.
      expect(answers.map(({ stepId, value }) => ({ stepId, value }))).toEqual(asked);
      expect(answers[0]?.stepId).toBe('identity');
      expect(new Set(answers.map((a) => a.stepId)).size).toBe(answers.length);
      if (identityFailed) expect(answers).toHaveLength(1);
      for (const a of answers) {
        expect(AnswerValue.safeParse(a.value).success).toBe(true);
        expect(a.purposes.length).toBeGreaterThan(0);
        expect(a.purposes.every((p) => types.includes(p))).toBe(true);
      }
      // Findings come only from answers given, for purposes that asked them.
      for (const f of findings) {
        const from = answers.find((a) => a.stepId === f.stepId);
        expect(from).toBeDefined();
        expect(f.purposes).toEqual(from?.purposes);
      }
    }),
    // No shrinking: a path is dozens of generated answers and shrinking re-walks it thousands of times; the
    // failure message already names the step and the value.
    { numRuns, endOnFailure: true },
  );
}
