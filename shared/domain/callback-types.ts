import { z } from 'zod';

/**
 * The nine callback types of the brokerage policy (Article 5). The codes are stable identifiers shared with
 * head office; labels live in the UI's translations.
 */
export const CALLBACK_TYPES = [
  'nonsite_qualification',
  'new_account',
  'abnormal',
  'aml',
  'satisfaction',
  'salesperson_departure',
  'notification',
  'advisory',
  'complaint',
] as const;

export const CallbackType = z.enum(CALLBACK_TYPES);
export type CallbackType = z.infer<typeof CallbackType>;

/** Chinese names as the policy writes them; used by the demo data and as the default UI labels. */
export const CALLBACK_TYPE_ZH: Readonly<Record<CallbackType, string>> = {
  nonsite_qualification: '非现场开户资质审核回访',
  new_account: '新开客户回访',
  abnormal: '异常状况回访',
  aml: '反洗钱回访',
  satisfaction: '满意度回访',
  salesperson_departure: '营销人员离职回访',
  notification: '通知类回访',
  advisory: '投资顾问类回访',
  complaint: '投诉类回访',
};

/** Bit i set for CALLBACK_TYPES[i]: how the store indexes a task's purposes for the worklist filter. */
export function purposeMask(types: readonly CallbackType[]): number {
  let mask = 0;
  for (const type of types) mask |= 1 << CALLBACK_TYPES.indexOf(type);
  return mask;
}
