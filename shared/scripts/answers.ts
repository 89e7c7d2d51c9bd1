import type { AnswerValue } from '../contract/schemas';
import type { StepView } from './engine';

/**
 * The plain answer to a step: one that fits it and raises no finding (what the demo's agents and the tests
 * answer). With `raise`, the answer that raises the step's first finding instead, where it has one.
 */
export function plainAnswer(step: StepView, raise = false): AnswerValue {
  switch (step.kind) {
    case 'identity':
    case 'disclosure':
      return true;
    case 'say':
    case 'end':
      return null;
    case 'question': {
      const raises = new Set((step.findings ?? []).map((f) => f.when));
      const finding = raise ? step.findings?.[0]?.when : undefined;
      switch (step.input) {
        case 'yes_no':
          // The finding-free answer is the one no finding rule names.
          return finding !== undefined ? finding === true : raises.has(false);
        case 'single_choice':
        case 'multi_choice': {
          const id =
            typeof finding === 'string'
              ? finding
              : ((step.options ?? []).find((o) => !raises.has(o.id))?.id ?? '');
          return step.input === 'single_choice' ? id : [id];
        }
        case 'free_text':
          return '无';
        case 'date':
          return '2020-01-01';
        case 'number':
          return step.min ?? 0;
      }
    }
  }
}
