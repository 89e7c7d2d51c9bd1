import {
  type AnswerMatch,
  type LocalizedText,
  PLACEHOLDERS,
  type QuestionStep,
  type Script,
  type Step,
} from './schema';

/** One problem of a script, in both languages; `stepId` null when it concerns the script as a whole. */
export type ScriptProblem = { stepId: string | null; zh: string; en: string };

const CHOICE_INPUTS = new Set(['single_choice', 'multi_choice']);
/** Names that look like unmasked personal data get a sharper message than "unknown placeholder". */
const PERSONAL = /id(number|no|card)?$|phone|mobile|tel|address|customername|birth/i;

/**
 * The rules zod cannot state one field at a time. They guarantee what the engine relies on: identity first,
 * one end last, jumps only forward (so every path ends), options and conditions that fit the question.
 */
export function checkScript(script: Script): ScriptProblem[] {
  const problems: ScriptProblem[] = [];
  const at = (stepId: string | null, zh: string, en: string) => problems.push({ stepId, zh, en });
  const index = new Map<string, number>();
  script.steps.forEach((step, i) => {
    if (index.has(step.id)) at(step.id, '步骤编号重复', 'duplicate step id');
    else index.set(step.id, i);
  });

  const first = script.steps[0];
  if (first?.kind !== 'identity')
    at(first?.id ?? null, '第一步必须是身份核实', 'the first step must be the identity check');
  const last = script.steps[script.steps.length - 1];
  if (last?.kind !== 'end') at(last?.id ?? null, '最后一步必须是结束语', 'the last step must be an end step');

  // Closing steps form the tail, so moving them behind other purposes in a merge keeps this script's order.
  const firstClosing = script.steps.findIndex((s) => 'closing' in s && s.closing === true);
  if (firstClosing >= 0) {
    for (const step of script.steps.slice(firstClosing, -1)) {
      if (!('closing' in step && step.closing === true)) {
        at(step.id, '结束部分的步骤之后只能是结束部分的步骤', 'only closing steps may follow a closing step');
      }
    }
  }

  script.steps.forEach((step, i) => {
    if (step.kind === 'identity' && i !== 0)
      at(step.id, '身份核实只能是第一步', 'identity can only be the first step');
    if (step.kind === 'end' && i !== script.steps.length - 1) {
      at(step.id, '结束语只能是最后一步', 'an end step can only be the last step');
    }
    const target = (next: string) => {
      const j = index.get(next);
      if (j === undefined) at(step.id, `跳转目标 ${next} 不存在`, `jump target ${next} does not exist`);
      else if (j <= i)
        at(step.id, `跳转目标 ${next} 必须在本步骤之后`, `jump target ${next} must come after this step`);
    };
    if ('next' in step && step.next !== undefined) target(step.next);
    if (step.kind === 'question') checkQuestion(step, at, target);
    checkTexts(step, at);
  });

  script.outcome.rules.forEach((rule, n) => {
    if (!('step' in rule.when)) return;
    const where = `结果规则第 ${n + 1} 条`;
    const whereEn = `outcome rule ${n + 1}`;
    const j = index.get(rule.when.step);
    const step = j === undefined ? undefined : script.steps[j];
    if (step?.kind !== 'question') {
      at(
        null,
        `${where}：${rule.when.step} 不是本脚本的问题`,
        `${whereEn}: ${rule.when.step} is not a question here`,
      );
    } else {
      const wrong = matchProblem(step, rule.when.is);
      if (wrong !== null) at(null, `${where}：${wrong.zh}`, `${whereEn}: ${wrong.en}`);
    }
  });
  return problems;
}

type At = (stepId: string | null, zh: string, en: string) => void;

function checkQuestion(step: QuestionStep, at: At, target: (next: string) => void): void {
  const choice = CHOICE_INPUTS.has(step.input);
  const options = step.options ?? [];
  if (choice && options.length === 0) at(step.id, '缺少选项', 'options missing');
  else if (choice && options.length < 2) at(step.id, '至少需要两个选项', 'at least two options are needed');
  if (!choice && step.options !== undefined) at(step.id, '此题型不设选项', 'this input takes no options');
  const ids = new Set<string>();
  for (const option of options) {
    if (ids.has(option.id)) at(step.id, `选项编号 ${option.id} 重复`, `duplicate option id ${option.id}`);
    ids.add(option.id);
  }
  if (
    step.input !== 'number' &&
    (step.min !== undefined || step.max !== undefined || step.integer !== undefined)
  ) {
    at(step.id, '只有数字题可以设置范围', 'only number questions take min, max or integer');
  }
  if (step.min !== undefined && step.max !== undefined && step.min > step.max) {
    at(step.id, '最小值大于最大值', 'min is greater than max');
  }
  if (step.input !== 'free_text' && step.maxLength !== undefined) {
    at(step.id, '只有文字题可以设置长度上限', 'only free-text questions take maxLength');
  }
  const seen = new Set<string>();
  for (const branch of step.branches ?? []) {
    const wrong = matchProblem(step, branch.when);
    if (wrong !== null) at(step.id, wrong.zh, wrong.en);
    const key = String(branch.when);
    if (seen.has(key)) at(step.id, `答案 ${key} 有多个跳转`, `answer ${key} has more than one jump`);
    seen.add(key);
    target(branch.next);
  }
  for (const rule of step.findings ?? []) {
    const wrong = matchProblem(step, rule.when);
    if (wrong !== null) at(step.id, wrong.zh, wrong.en);
    for (const text of [rule.finding.text.zh, rule.finding.text.en]) {
      if (/\{\w+\}/.test(text))
        at(step.id, '发现描述不能使用占位符', 'a finding text cannot use placeholders');
    }
  }
}

/** Why `when` cannot match an answer to this question, or null when it can. */
export function matchProblem(step: QuestionStep, when: AnswerMatch): { zh: string; en: string } | null {
  if (step.input === 'yes_no') {
    return typeof when === 'boolean'
      ? null
      : {
          zh: `是非题的条件必须是 true 或 false，而不是 ${when}`,
          en: `a yes/no condition must be true or false, not ${when}`,
        };
  }
  if (CHOICE_INPUTS.has(step.input)) {
    if (typeof when === 'string' && (step.options ?? []).some((o) => o.id === when)) return null;
    return {
      zh: `条件 ${String(when)} 不是本题的选项`,
      en: `condition ${String(when)} is not an option of this question`,
    };
  }
  return {
    zh: '此题型不能设置跳转、发现或结果条件',
    en: 'this input cannot branch, raise findings or decide outcomes',
  };
}

/** Every text a step shows, for the placeholder rules. */
export function stepTexts(step: Step): LocalizedText[] {
  const texts = [step.text];
  if (step.note !== undefined) texts.push(step.note);
  if (step.kind === 'identity') texts.push(step.failText, ...step.checks.map((c) => c.label));
  if (step.kind === 'question') texts.push(...(step.options ?? []).map((o) => o.label));
  return texts;
}

const KNOWN = new Set<string>(PLACEHOLDERS);

export function placeholdersOf(text: string): string[] {
  return Array.from(text.matchAll(/\{(\w+)\}/g), (m) => m[1] ?? '');
}

function checkTexts(step: Step, at: At): void {
  for (const text of stepTexts(step)) {
    const zh = placeholdersOf(text.zh);
    const en = placeholdersOf(text.en);
    for (const name of new Set([...zh, ...en])) {
      if (KNOWN.has(name)) continue;
      if (PERSONAL.test(name)) {
        at(step.id, `不得使用未脱敏的个人信息 {${name}}`, `unmasked personal data {${name}} is not allowed`);
      } else {
        at(step.id, `未知占位符 {${name}}`, `unknown placeholder {${name}}`);
      }
    }
    if ([...new Set(zh)].sort().join() !== [...new Set(en)].sort().join()) {
      at(
        step.id,
        `中英文占位符不一致：${text.zh}`,
        `the Chinese and English texts use different placeholders: ${text.en}`,
      );
    }
  }
}
