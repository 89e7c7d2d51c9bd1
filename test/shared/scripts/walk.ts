import type { AnswerValue } from '../../../shared/contract/schemas';
import type { ScriptContext } from '../../../shared/scripts/context';
import { answer, current, type EngineState, type StepView } from '../../../shared/scripts/engine';

export const CONTEXT: ScriptContext = {
  customerSurname: '张',
  customerSex: 'female',
  branchName: '上海世纪大道营业部',
  salespersonName: '李明',
  openedDate: '2025-03-05',
  agentCode: 'A017',
};

/** The answer of a customer with nothing to report: no finding raised, nothing to follow up. */
export function cleanValue(step: StepView): AnswerValue {
  switch (step.kind) {
    case 'say':
    case 'end':
      return null;
    case 'identity':
    case 'disclosure':
      return true;
    case 'question': {
      const raises = (when: boolean | string) => (step.findings ?? []).some((f) => f.when === when);
      const clean = (step.options ?? []).find((o) => !raises(o.id))?.id ?? '';
      switch (step.input) {
        case 'yes_no':
          return !raises(true);
        case 'single_choice':
          return clean;
        case 'multi_choice':
          return [clean];
        case 'free_text':
          return '无';
        case 'date':
          return '2035-06-30';
        case 'number':
          return step.min ?? 0;
      }
    }
  }
}

/** Answers step after step: `given` by step id, the clean answer otherwise; stops at the end. */
export function walkThrough(state: EngineState, given: Record<string, AnswerValue> = {}): EngineState {
  let s = state;
  for (let guard = 0; guard < 200; guard++) {
    const step = current(s);
    if (step.kind === 'end') return s;
    const value = step.id in given ? (given[step.id] as AnswerValue) : cleanValue(step);
    const next = answer(s, value);
    if (!next.ok) throw new Error(`${step.id}: ${next.error.en}`);
    s = next.value;
  }
  throw new Error('the script did not end');
}

/** The ids of the steps passed so far. */
export function passed(state: EngineState): string[] {
  return state.trail.map((t) => t.stepId);
}
