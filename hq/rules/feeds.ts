import { z } from 'zod';
import type { CallbackType } from '../../shared/domain/callback-types';
import {
  booleanField,
  choiceField,
  dateField,
  deadlineField,
  idField,
  idListField,
  idNumberField,
  instantField,
  mobileField,
  optionalDeadlineField,
  optionalIdField,
  optionalTextField,
  rateField,
  textField,
} from './fields';

/**
 * The feeds head office imports, by API (JSON) and by a CLI (CSV or JSON). One row a record; field names are
 * the English keys below (a CSV's header row uses them too); values may be JSON values or CSV text. Objects are
 * strict: a column the feed does not know is an error, so a misspelt header is caught instead of ignored.
 *
 * Every row has a stable source key built from the ids it carries (`rowKey`); each purpose it yields has one
 * too (`purposeKey`), and head office keeps them, so a re-import of the same feed creates nothing twice.
 */

const customerId = idField('客户号');

export const AccountOpenedRow = z.strictObject({
  customerId,
  name: textField('客户姓名', 50),
  idNumber: idNumberField,
  mobile: mobileField,
  branchId: idField('营业部编号'),
  channel: choiceField('开户渠道', {
    counter: 'counter',
    柜台: 'counter',
    现场: 'counter',
    nonsite: 'nonsite',
    非现场: 'nonsite',
  } as const),
  openedAt: instantField('开户时间'),
  /** The salesperson who serves the customer (服务营销人员). */
  salespersonId: optionalIdField('服务营销人员编号').default(null),
  /** The salesperson who brought the customer in (介绍人 / 开发人员). */
  introducerId: optionalIdField('介绍人编号').default(null),
  margin: booleanField('融资融券标志', false).default(false),
});

export const AbnormalRow = z.strictObject({
  /** The exchange's or compliance's list (a 协查函 number, a monitoring batch). */
  listId: idField('名单编号'),
  customerId,
  source: choiceField('名单来源', {
    exchange: 'exchange',
    交易所: 'exchange',
    compliance: 'compliance',
    合规部: 'compliance',
    risk_monitor: 'risk_monitor',
    营销人员风控: 'risk_monitor',
  } as const),
  namedAt: instantField('指定时间', { dateAllowed: true }),
  reason: optionalTextField('异常情况').default(null),
});

export const AmlRow = z.strictObject({
  listId: idField('名单编号'),
  customerId,
  listedAt: instantField('名单日期', { dateAllowed: true }),
  reason: optionalTextField('重新识别原因').default(null),
});

/** One row a salesperson; every customer they serve (and, by default, brought in) is called. */
export const DepartureRow = z.strictObject({
  salespersonId: idField('营销人员编号'),
  departedAt: instantField('离职时间', { dateAllowed: true }),
});

export const ComplaintRow = z.strictObject({
  complaintId: idField('投诉编号'),
  customerId,
  handledAt: instantField('办结时间', { dateAllowed: true }),
  topic: optionalTextField('投诉事项', 100).default(null),
  /** The salesperson the complaint was about, if any. */
  salespersonId: optionalIdField('被投诉营销人员编号').default(null),
});

export const NoticeRow = z.strictObject({
  noticeId: idField('通知编号'),
  customerId,
  title: textField('通知事项', 100),
  deadline: deadlineField('回访期限'),
});

export const CampaignRow = z
  .strictObject({
    campaignId: idField('活动编号'),
    title: optionalTextField('活动名称', 100).default(null),
    branchIds: idListField('营业部编号'),
    periodFrom: dateField('开始日期'),
    periodTo: dateField('结束日期'),
    samplingRate: rateField('抽样比例'),
  })
  .refine((c) => c.periodFrom <= c.periodTo, { message: '结束日期早于开始日期', path: ['periodTo'] });

export const AdvisoryRow = z.strictObject({
  serviceId: idField('服务编号'),
  customerId,
  title: textField('服务事项', 100),
  /** When the service was signed or the event happened; the default deadline counts from it. */
  eventAt: instantField('签约时间', { dateAllowed: true }),
  deadline: optionalDeadlineField('回访期限').default(null),
});

export const FEED_SCHEMAS = {
  accounts_opened: AccountOpenedRow,
  abnormal: AbnormalRow,
  aml: AmlRow,
  salesperson_departures: DepartureRow,
  complaints: ComplaintRow,
  notices: NoticeRow,
  satisfaction_campaigns: CampaignRow,
  advisory: AdvisoryRow,
} as const;

export type FeedKind = keyof typeof FEED_SCHEMAS;
export const FEED_KINDS = Object.keys(FEED_SCHEMAS) as FeedKind[];
export const FeedKindSchema = z.enum(FEED_KINDS as [FeedKind, ...FeedKind[]]);
export type FeedRow<K extends FeedKind> = z.output<(typeof FEED_SCHEMAS)[K]>;

export const FEED_ZH: Readonly<Record<FeedKind, string>> = {
  accounts_opened: '开户数据',
  abnormal: '异常账户名单',
  aml: '反洗钱重新识别名单',
  salesperson_departures: '营销人员离职',
  complaints: '投诉办结',
  notices: '通知',
  satisfaction_campaigns: '满意度活动',
  advisory: '投资顾问服务',
};

const ROW_KEYS: { readonly [K in FeedKind]: (row: FeedRow<K>) => string } = {
  accounts_opened: (r) => `accounts_opened:${r.customerId}`,
  abnormal: (r) => `abnormal:${r.listId}:${r.customerId}`,
  aml: (r) => `aml:${r.listId}:${r.customerId}`,
  salesperson_departures: (r) => `salesperson_departure:${r.salespersonId}`,
  complaints: (r) => `complaint:${r.complaintId}`,
  notices: (r) => `notice:${r.noticeId}:${r.customerId}`,
  satisfaction_campaigns: (r) => `satisfaction:${r.campaignId}`,
  advisory: (r) => `advisory:${r.serviceId}:${r.customerId}`,
};

/** The source key of a row: the same row imported again has the same key. */
export function rowKey<K extends FeedKind>(kind: K, row: FeedRow<K>): string {
  return (ROW_KEYS[kind] as (r: FeedRow<K>) => string)(row);
}

/**
 * The source key of one purpose a row yields. A row that yields one purpose for its own customer keeps the
 * row's key; an opening yields two (`accounts_opened:<customer>:nonsite_qualification` and `…:new_account`);
 * a departure or a campaign yields one per customer (`salesperson_departure:<salesperson>:<customer>`,
 * `satisfaction:<campaign>:<customer>`).
 */
export function purposeKey(rowSourceKey: string, suffix: CallbackType | { customerId: string }): string {
  return `${rowSourceKey}:${typeof suffix === 'string' ? suffix : suffix.customerId}`;
}

export interface RowIssue {
  /** The field named by the problem; null for the row as a whole. */
  field: string | null;
  message: string;
}

export interface RowError {
  /** The row's number as the person who made the file counts it (`firstRow` for the first). */
  row: number;
  issues: RowIssue[];
  /** "第 3 行：身份证号校验位错误；手机号格式错误" */
  message: string;
}

export interface ParsedRow<K extends FeedKind> {
  row: number;
  value: FeedRow<K>;
}

export interface ParsedFeed<K extends FeedKind> {
  kind: K;
  rows: ParsedRow<K>[];
  errors: RowError[];
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `未知字段：${issue.keys.join('、')}`;
  if (issue.code === 'invalid_type' && issue.path.length === 0) return '应为一条记录（字段名到值的对象）';
  // Field schemas speak Chinese already; anything else is a defect of a schema, shown as zod wrote it.
  return issue.message;
}

export function rowMessage(row: number, messages: readonly string[]): string {
  return `第 ${row} 行：${messages.join('；')}`;
}

/**
 * Parses a feed's rows, keeping the good ones and a Chinese message for each bad one. `firstRow` is the
 * number of `rows[0]` as the file's author sees it: 1 for a JSON array, 2 for a CSV with a header line.
 */
export function parseFeed<K extends FeedKind>(
  kind: K,
  rows: readonly unknown[],
  firstRow = 1,
): ParsedFeed<K> {
  const schema = FEED_SCHEMAS[kind] as unknown as z.ZodType<FeedRow<K>>;
  const out: ParsedFeed<K> = { kind, rows: [], errors: [] };
  rows.forEach((raw, i) => {
    const row = firstRow + i;
    const result = schema.safeParse(raw);
    if (result.success) {
      out.rows.push({ row, value: result.data });
      return;
    }
    const issues = result.error.issues.map((issue) => ({
      field: typeof issue.path[0] === 'string' ? issue.path[0] : null,
      message: issueMessage(issue),
    }));
    out.errors.push({
      row,
      issues,
      message: rowMessage(
        row,
        issues.map((x) => x.message),
      ),
    });
  });
  return out;
}
