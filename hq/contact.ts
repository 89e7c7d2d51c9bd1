import { z } from 'zod';
import { PREFERRED_WINDOWS_MAX } from '../shared/contract/schemas';
import { parsePreferredTimes } from '../shared/domain/preferred-times';
import type { Hq } from './context';
import { rowMessage } from './rules/feeds';
import { booleanField, idField, optionalTextField } from './rules/fields';
import { lockBranch, recordChange } from './sync/changes';

/**
 * Customers' contact wishes as head office receives them (issue 16, point 7): a feed of one row a customer
 * (`npm run hq:import -- customer_contact <file.csv>`), columns
 *   customerId, doNotCall (是/否; blank: unchanged), doNotCallReason (needed with 是),
 *   preferredTimes (e.g. 「周一至周五 09:00-11:30；周六 10:00-12:00」; 「无」 lifts them; blank: unchanged).
 * Not one of the task feeds (rules/feeds.ts): a row makes no task, and the same row imported again applies
 * again (a wish lifted since at a seat is registered anew, as the file says). What a row changes goes to the
 * customer's branch's seats with their next pull.
 */

const ContactRow = z
  .strictObject({
    customerId: idField('客户号'),
    doNotCall: z
      .unknown()
      .transform((v, ctx): boolean | null => {
        if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) return null;
        const parsed = booleanField('免打扰', false).safeParse(v);
        if (parsed.success) return parsed.data;
        ctx.addIssue({ code: 'custom', message: '免打扰应为 是/否（true/false）' });
        return z.NEVER;
      })
      .default(null),
    doNotCallReason: optionalTextField('免打扰原因', 200).default(null),
    preferredTimes: z
      .unknown()
      .transform((v, ctx) => {
        if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) return null;
        if (typeof v !== 'string') {
          ctx.addIssue({ code: 'custom', message: '偏好时段应为文本（如 周一至周五 09:00-11:30）' });
          return z.NEVER;
        }
        if (v.length > 200) {
          ctx.addIssue({ code: 'custom', message: '偏好时段过长（最多 200 个字符）' });
          return z.NEVER;
        }
        const parsed = parsePreferredTimes(v, PREFERRED_WINDOWS_MAX);
        if ('error' in parsed) {
          ctx.addIssue({ code: 'custom', message: parsed.error });
          return z.NEVER;
        }
        return parsed.windows;
      })
      .default(null),
  })
  .superRefine((r, ctx) => {
    if (r.doNotCall === true && r.doNotCallReason === null) {
      ctx.addIssue({ code: 'custom', message: '登记免打扰须填写免打扰原因', path: ['doNotCallReason'] });
    }
  });

export const ContactImportReport = z.object({
  rows: z.number().int(),
  updated: z.number().int(),
  skipped: z.array(z.object({ row: z.number().int(), message: z.string() })),
});
export type ContactImportReport = z.infer<typeof ContactImportReport>;

const issueText = (issue: z.core.$ZodIssue) =>
  issue.code === 'unrecognized_keys' ? `未知字段：${issue.keys.join('、')}` : issue.message;

/** Applies the rows that are good, in one transaction; each bad one is reported with its row number. */
export async function importContacts(
  hq: Hq,
  rows: readonly unknown[],
  firstRow: number,
  by: { userId: string; code: string },
): Promise<ContactImportReport> {
  const now = hq.now().toISOString();
  const report: ContactImportReport = { rows: rows.length, updated: 0, skipped: [] };
  const good: { row: number; value: z.output<typeof ContactRow> }[] = [];
  rows.forEach((raw, i) => {
    const parsed = ContactRow.safeParse(raw);
    if (parsed.success) good.push({ row: firstRow + i, value: parsed.data });
    else
      report.skipped.push({
        row: firstRow + i,
        message: rowMessage(firstRow + i, parsed.error.issues.map(issueText)),
      });
  });
  await hq.db.db.transaction().execute(async (tx) => {
    const ids = [...new Set(good.map((g) => g.value.customerId))];
    const branchOf = new Map(
      ids.length === 0
        ? []
        : (await tx.selectFrom('customers').select(['id', 'branch_id']).where('id', 'in', ids).execute()).map(
            (c) => [c.id, c.branch_id],
          ),
    );
    for (const branchId of [...new Set(branchOf.values())].sort()) await lockBranch(tx, branchId);
    for (const { row, value } of good) {
      const branchId = branchOf.get(value.customerId);
      if (branchId === undefined) {
        report.skipped.push({ row, message: rowMessage(row, [`客户 ${value.customerId} 不存在`]) });
        continue;
      }
      if (value.doNotCall === null && value.preferredTimes === null) {
        report.skipped.push({
          row,
          message: rowMessage(row, ['没有要更新的内容（免打扰和偏好时段均为空）']),
        });
        continue;
      }
      await tx
        .updateTable('customers')
        .set({
          ...(value.doNotCall === null
            ? {}
            : {
                do_not_call: value.doNotCall
                  ? JSON.stringify({
                      source: 'hq',
                      reason: value.doNotCallReason,
                      by: `总部导入（${by.code}）`,
                      at: now,
                    })
                  : null,
                do_not_call_at: now,
              }),
          ...(value.preferredTimes === null
            ? {}
            : { preferred_times: JSON.stringify(value.preferredTimes), preferred_times_at: now }),
        })
        .where('id', '=', value.customerId)
        .execute();
      await recordChange(tx, { branchId, kind: 'customer', entityId: value.customerId });
      report.updated += 1;
    }
  });
  report.skipped.sort((a, b) => a.row - b.row);
  return report;
}
