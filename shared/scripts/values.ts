import type { AnswerValue } from '../contract/schemas';
import type { MergedStep } from './merge';
import type { AnswerMatch } from './schema';

export type AnswerError = {
  code: 'required' | 'invalid_value' | 'at_end' | 'not_finished';
  zh: string;
  en: string;
};

const FREE_TEXT_MAX = 2000;

export const AT_END: AnswerError = {
  code: 'at_end',
  zh: '已到结束语，请结束回访',
  en: 'the script is at its end; finish the call',
};

/**
 * Whether `value` fits the step: null skips (only a step that is not required), a say step is acknowledged
 * with null, a disclosure is confirmed with `true`, identity is `true` (passed) or `false` (failed).
 */
export function checkValue(step: MergedStep, value: AnswerValue): AnswerError | null {
  const bad = (zh: string, en: string): AnswerError => ({ code: 'invalid_value', zh, en });
  switch (step.kind) {
    case 'end':
      return AT_END;
    case 'say':
      return value === null ? null : bad('宣读步骤无需回答', 'a say step takes no answer');
    case 'identity':
      if (value === null) return required();
      return typeof value === 'boolean' ? null : bad('请选择身份核实通过或未通过', 'choose passed or failed');
    case 'disclosure':
      if (value === true) return null;
      if (value === null) return step.required ? required() : null;
      return bad('请确认已宣读', 'confirm that it was read');
    case 'question':
      if (value === null) return step.required ? required() : null;
      return checkInput(step, value, bad);
  }
}

function required(): AnswerError {
  return {
    code: 'required',
    zh: '此步骤为必答，不能跳过',
    en: 'this step is required and cannot be skipped',
  };
}

function checkInput(
  step: Extract<MergedStep, { kind: 'question' }>,
  value: Exclude<AnswerValue, null>,
  bad: (zh: string, en: string) => AnswerError,
): AnswerError | null {
  const ids = new Set((step.options ?? []).map((o) => o.id));
  switch (step.input) {
    case 'yes_no':
      return typeof value === 'boolean' ? null : bad('请回答是或否', 'answer yes or no');
    case 'single_choice':
      return typeof value === 'string' && ids.has(value) ? null : bad('请选择一个选项', 'choose one option');
    case 'multi_choice':
      if (!Array.isArray(value) || value.length === 0)
        return bad('请至少选择一个选项', 'choose at least one option');
      if (new Set(value).size !== value.length || value.some((v) => !ids.has(v))) {
        return bad('选项无效或重复', 'an option is unknown or repeated');
      }
      return null;
    case 'free_text': {
      const max = step.maxLength ?? FREE_TEXT_MAX;
      if (typeof value !== 'string' || value.trim() === '') return bad('请填写内容', 'enter some text');
      return value.length <= max ? null : bad(`最多 ${max} 个字`, `at most ${max} characters`);
    }
    case 'date':
      return typeof value === 'string' && isDate(value) ? null : bad('请填写有效日期', 'enter a valid date');
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return bad('请填写数字', 'enter a number');
      if (step.integer === true && !Number.isInteger(value)) return bad('请填写整数', 'enter a whole number');
      if (step.min !== undefined && value < step.min)
        return bad(`不能小于 ${step.min}`, `at least ${step.min}`);
      if (step.max !== undefined && value > step.max)
        return bad(`不能大于 ${step.max}`, `at most ${step.max}`);
      return null;
    }
  }
}

/** `YYYY-MM-DD` naming a real calendar day (no 2月30日). */
export function isDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (m === null) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** Whether an answer matches a branch, finding or outcome condition (see AnswerMatch). */
export function matches(step: MergedStep, when: AnswerMatch, value: AnswerValue): boolean {
  if (step.kind !== 'question' || value === null) return false;
  if (step.input === 'multi_choice')
    return Array.isArray(value) && typeof when === 'string' && value.includes(when);
  return value === when;
}
