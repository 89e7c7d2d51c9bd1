import { z } from 'zod';
import type { LocalizedText, Placeholder } from './schema';

/**
 * What a call's texts may say about the task. Deliberately small: the customer only as surname and sex (for
 * 张先生 / 张女士), never the full name, ID number or phone, so the engine state, which is saved as a draft
 * after every answer, holds nothing that must be masked.
 */
export const ScriptContext = z.strictObject({
  customerSurname: z.string().max(8),
  customerSex: z.enum(['male', 'female', 'unknown']),
  branchName: z.string().max(100),
  /** Null when no salesperson is linked (a customer who came on their own). */
  salespersonName: z.string().max(40).nullable(),
  /** The local date the account was opened, `YYYY-MM-DD`. */
  openedDate: z.iso.date().nullable(),
  agentCode: z.string().max(40),
});
export type ScriptContext = z.infer<typeof ScriptContext>;

/** `张` + male → 张先生 / Mr 张. An unknown sex gives both forms, which the agent reads as fits. */
export function politeTitle(surname: string, sex: ScriptContext['customerSex']): LocalizedText {
  if (surname === '') return { zh: '尊敬的客户', en: 'dear customer' };
  if (sex === 'male') return { zh: `${surname}先生`, en: `Mr ${surname}` };
  if (sex === 'female') return { zh: `${surname}女士`, en: `Ms ${surname}` };
  return { zh: `${surname}先生/女士`, en: `Mr/Ms ${surname}` };
}

function values(context: ScriptContext): Record<Placeholder, LocalizedText> {
  const opened = context.openedDate;
  const [y, m, d] = (opened ?? '').split('-').map(Number);
  return {
    customerTitle: politeTitle(context.customerSurname, context.customerSex),
    branchName: { zh: context.branchName, en: context.branchName },
    // Scripts say "{salespersonName}是否……"; without a salesperson the question is about any of our staff.
    salespersonName:
      context.salespersonName === null
        ? { zh: '我司工作人员', en: 'our staff' }
        : { zh: context.salespersonName, en: context.salespersonName },
    openedDate:
      opened === null ? { zh: '近期', en: 'recently' } : { zh: `${y}年${m}月${d}日`, en: `on ${opened}` },
    agentCode: { zh: context.agentCode, en: context.agentCode },
  };
}

/** A function filling the placeholders of a text in both languages; the loader has rejected unknown ones. */
export function textFiller(context: ScriptContext): (text: LocalizedText) => LocalizedText {
  const v = values(context);
  const fill = (s: string, lang: 'zh' | 'en') =>
    s.includes('{')
      ? s.replace(/\{(\w+)\}/g, (all, name: string) => (name in v ? v[name as Placeholder][lang] : all))
      : s;
  return (text) => ({ zh: fill(text.zh, 'zh'), en: fill(text.en, 'en') });
}
