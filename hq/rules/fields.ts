import { z } from 'zod';
import { idCheckChar, isValidIdNumber } from '../../shared/domain/id-number';
import { isMobileNumber } from '../../shared/domain/phone';
import { endOfLocalDay, parseInstant, parseLocalDate, startOfLocalDay } from './calendar';

/**
 * Field schemas for the feeds. Each takes `unknown` (a JSON value, or a CSV cell as text), normalises it, and
 * on failure reports one Chinese message that names the field ("身份证号校验位错误"), so an import report can
 * say "第 3 行：身份证号校验位错误" and the person fixing the file knows what to change. Every output is
 * accepted again by the same schema (parsing is idempotent), so rows can be parsed at the edge and again in
 * `plan`.
 */

type Ctx = z.core.$RefinementCtx<unknown>;

function fail(ctx: Ctx, message: string): typeof z.NEVER {
  ctx.addIssue({ code: 'custom', message });
  return z.NEVER;
}

/** A cell's text: strings trimmed, finite numbers as written, anything else null. Empty is null. */
function cellText(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return null;
  const text = value.trim();
  return text === '' ? null : text;
}

const isBlank = (value: unknown): boolean =>
  value === undefined || value === null || (typeof value === 'string' && value.trim() === '');

export function textField(label: string, max = 200) {
  return z.unknown().transform((value, ctx): string => {
    if (isBlank(value)) return fail(ctx, `缺少${label}`);
    const text = cellText(value);
    if (text === null) return fail(ctx, `${label}应为文本`);
    if (text.length > max) return fail(ctx, `${label}过长（最多 ${max} 个字符）`);
    return text;
  });
}

export function optionalTextField(label: string, max = 200) {
  return z.unknown().transform((value, ctx): string | null => {
    if (isBlank(value)) return null;
    const text = cellText(value);
    if (text === null) return fail(ctx, `${label}应为文本`);
    if (text.length > max) return fail(ctx, `${label}过长（最多 ${max} 个字符）`);
    return text;
  });
}

/** Ids become parts of source keys (`abnormal:<listId>:<customerId>`), so they hold no colon and no blank. */
function idProblem(label: string, text: string): string | null {
  if (text.length > 64) return `${label}过长（最多 64 个字符）`;
  if (/[:\s]/.test(text)) return `${label}不能包含冒号或空白`;
  return null;
}

function checkId(label: string, text: string, ctx: Ctx): string {
  const problem = idProblem(label, text);
  return problem === null ? text : fail(ctx, problem);
}

export function idField(label: string) {
  return z.unknown().transform((value, ctx): string => {
    if (isBlank(value)) return fail(ctx, `缺少${label}`);
    const text = cellText(value);
    return text === null ? fail(ctx, `${label}应为文本`) : checkId(label, text, ctx);
  });
}

export function optionalIdField(label: string) {
  return z.unknown().transform((value, ctx): string | null => {
    if (isBlank(value)) return null;
    const text = cellText(value);
    return text === null ? fail(ctx, `${label}应为文本`) : checkId(label, text, ctx);
  });
}

/** One id or several: a JSON array, or a cell separated by commas, 、 or semicolons. */
export function idListField(label: string) {
  return z.unknown().transform((value, ctx): string[] => {
    const parts = Array.isArray(value)
      ? value
      : typeof value === 'string'
        ? value.split(/[,，、;；\s]+/)
        : [];
    const ids: string[] = [];
    for (const part of parts) {
      if (isBlank(part)) continue;
      const text = cellText(part);
      if (text === null) return fail(ctx, `${label}应为文本`);
      const problem = idProblem(label, text);
      if (problem !== null) return fail(ctx, problem);
      if (!ids.includes(text)) ids.push(text);
    }
    return ids.length === 0 ? fail(ctx, `缺少${label}`) : ids;
  });
}

/** GB 11643 resident ID number: a lower-case x is accepted and written upper-case. */
export const idNumberField = z.unknown().transform((value, ctx): string => {
  if (isBlank(value)) return fail(ctx, '缺少身份证号');
  const text = cellText(value)?.replace(/\s+/g, '').toUpperCase() ?? null;
  if (text === null || !/^\d{17}[\dX]$/.test(text)) {
    return fail(ctx, '身份证号应为 18 位：17 位数字加 1 位数字或 X');
  }
  if (isValidIdNumber(text)) return text;
  if (idCheckChar(text.slice(0, 17)) === text[17]) return fail(ctx, '身份证号中的出生日期无效');
  return fail(ctx, '身份证号校验位错误');
});

/** A mainland mobile number; blanks, hyphens and a +86 / 0086 prefix are removed. */
export const mobileField = z.unknown().transform((value, ctx): string => {
  if (isBlank(value)) return fail(ctx, '缺少手机号');
  const text =
    cellText(value)
      ?.replace(/[\s-]/g, '')
      .replace(/^(\+86|0086|86)(?=\d{11}$)/, '') ?? '';
  return isMobileNumber(text) ? text : fail(ctx, '手机号格式错误：应为 13–19 开头的 11 位手机号码');
});

const INSTANT_HINT = '应为 YYYY-MM-DD HH:mm（北京时间）或带时区的 ISO 时间';

/**
 * An instant, normalised to ISO UTC. With `dateAllowed`, a bare date means 00:00 China time on that day (a
 * list dated 2025-03-14 was issued that day).
 */
export function instantField(label: string, options: { dateAllowed?: boolean } = {}) {
  return z.unknown().transform((value, ctx): string => {
    if (isBlank(value)) return fail(ctx, `缺少${label}`);
    const text = cellText(value) ?? '';
    const instant = parseInstant(text);
    if (instant !== null) return instant;
    const date = options.dateAllowed === true ? parseLocalDate(text) : null;
    if (date !== null) return startOfLocalDay(date);
    return fail(ctx, `${label}格式错误：${options.dateAllowed === true ? '应为日期或' : ''}${INSTANT_HINT}`);
  });
}

export function dateField(label: string) {
  return z.unknown().transform((value, ctx): string => {
    if (isBlank(value)) return fail(ctx, `缺少${label}`);
    const date = parseLocalDate(cellText(value) ?? '');
    return date ?? fail(ctx, `${label}格式错误：应为 YYYY-MM-DD`);
  });
}

/** A deadline: a date means the end of that day in China (23:59:59.999), an instant is kept. */
function deadlineOf(value: unknown, label: string, ctx: Ctx): string {
  const text = cellText(value) ?? '';
  const date = parseLocalDate(text);
  if (date !== null) return endOfLocalDay(date);
  return parseInstant(text) ?? fail(ctx, `${label}格式错误：应为日期 YYYY-MM-DD 或时间`);
}

export function deadlineField(label: string) {
  return z
    .unknown()
    .transform((value, ctx): string =>
      isBlank(value) ? fail(ctx, `缺少${label}`) : deadlineOf(value, label, ctx),
    );
}

export function optionalDeadlineField(label: string) {
  return z
    .unknown()
    .transform((value, ctx): string | null => (isBlank(value) ? null : deadlineOf(value, label, ctx)));
}

const TRUE_WORDS = new Set(['true', '1', 'y', 'yes', '是']);
const FALSE_WORDS = new Set(['false', '0', 'n', 'no', '否']);

export function booleanField(label: string, fallback: boolean) {
  return z.unknown().transform((value, ctx): boolean => {
    if (typeof value === 'boolean') return value;
    if (isBlank(value)) return fallback;
    const text = cellText(value)?.toLowerCase() ?? '';
    if (TRUE_WORDS.has(text)) return true;
    if (FALSE_WORDS.has(text)) return false;
    return fail(ctx, `${label}应为 是/否（true/false）`);
  });
}

/** A value from a closed set; `words` maps each accepted spelling (code or Chinese) to the value. */
export function choiceField<T extends string>(label: string, words: Readonly<Record<string, T>>) {
  const hint = Object.keys(words).join(' / ');
  return z.unknown().transform((value, ctx): T => {
    if (isBlank(value)) return fail(ctx, `缺少${label}`);
    const found = words[cellText(value)?.toLowerCase() ?? ''];
    return found ?? fail(ctx, `${label}应为 ${hint} 之一`);
  });
}

/** A proportion 0..1, as a number, a decimal text or a percentage ("10%"). */
export function rateField(label: string) {
  return z.unknown().transform((value, ctx): number => {
    if (isBlank(value)) return fail(ctx, `缺少${label}`);
    const text = cellText(value) ?? '';
    const percent = text.endsWith('%');
    const n = /^\d+(\.\d+)?%?$/.test(text) ? Number.parseFloat(text) / (percent ? 100 : 1) : Number.NaN;
    if (!(n >= 0 && n <= 1)) return fail(ctx, `${label}应为 0 到 1 之间的数（如 0.1 或 10%）`);
    return n;
  });
}
