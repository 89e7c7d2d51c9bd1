import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FEED_SCHEMAS, type FeedKind, parseFeed, purposeKey, rowKey } from '../../../hq/rules/feeds';
import { idCheckChar } from '../../../shared/domain/id-number';
import { idNumber, openingRow } from './support';

/** One valid row of every feed, as JSON. */
const VALID: { readonly [K in FeedKind]: Record<string, unknown> } = {
  accounts_opened: openingRow('C1', '2025-03-14 10:00', {
    salespersonId: 'S1',
    introducerId: 'S2',
    margin: true,
  }),
  abnormal: { listId: 'SSE-2025-031', customerId: 'C1', source: 'exchange', namedAt: '2025-03-14' },
  aml: { listId: 'AML-7', customerId: 'C1', listedAt: '2025-03-14', reason: '身份证件已过有效期' },
  salesperson_departures: { salespersonId: 'S1', departedAt: '2025-03-14 17:00' },
  complaints: { complaintId: 'TS-88', customerId: 'C1', handledAt: '2025-03-14', topic: '服务态度' },
  notices: { noticeId: 'N-1', customerId: 'C1', title: '客户协议条款变更告知', deadline: '2025-03-31' },
  satisfaction_campaigns: {
    campaignId: 'SAT-2025Q1',
    branchIds: ['B1', 'B2'],
    periodFrom: '2025-03-01',
    periodTo: '2025-03-31',
    samplingRate: 0.1,
  },
  advisory: { serviceId: 'ADV-3', customerId: 'C1', title: '投资顾问服务签约后回访', eventAt: '2025-03-14' },
};

const messages = (kind: FeedKind, row: unknown, firstRow = 1) =>
  parseFeed(kind, [row], firstRow).errors.map((e) => e.message);

describe('feeds: valid rows', () => {
  it('parse every feed and normalise instants to UTC, dates to the end of the day', () => {
    for (const kind of Object.keys(VALID) as FeedKind[]) {
      const parsed = parseFeed(kind, [VALID[kind]]);
      expect(parsed.errors, kind).toEqual([]);
      expect(parsed.rows).toHaveLength(1);
    }
    const opening = parseFeed('accounts_opened', [VALID.accounts_opened]).rows[0]?.value;
    expect(opening?.openedAt).toBe('2025-03-14T02:00:00.000Z');
    expect(opening?.margin).toBe(true);
    const notice = parseFeed('notices', [VALID.notices]).rows[0]?.value;
    expect(notice?.deadline).toBe('2025-03-31T15:59:59.999Z');
    const aml = parseFeed('aml', [VALID.aml]).rows[0]?.value;
    expect(aml?.listedAt).toBe('2025-03-13T16:00:00.000Z');
  });

  it('accept CSV text: Chinese choices, 是/否, percentages, lists separated by 、, a lower-case x, +86', () => {
    const row = {
      ...openingRow('C2', '2025/3/14 9:30'),
      channel: '非现场',
      margin: '是',
      idNumber: '11010519491231002x',
      mobile: '+86 138-1234-5678',
      salespersonId: '',
    };
    const parsed = parseFeed('accounts_opened', [row]).rows[0]?.value;
    expect(parsed).toMatchObject({
      channel: 'nonsite',
      margin: true,
      idNumber: '11010519491231002X',
      mobile: '13812345678',
      salespersonId: null,
      introducerId: null,
    });
    const campaign = parseFeed('satisfaction_campaigns', [
      { ...VALID.satisfaction_campaigns, branchIds: 'B1、B2，B3', samplingRate: '5%' },
    ]).rows[0]?.value;
    expect(campaign?.branchIds).toEqual(['B1', 'B2', 'B3']);
    expect(campaign?.samplingRate).toBe(0.05);
  });

  it('parsing is idempotent: a parsed row parses to itself', () => {
    for (const kind of Object.keys(VALID) as FeedKind[]) {
      const once = parseFeed(kind, [VALID[kind]]).rows[0]?.value;
      expect(parseFeed(kind, [once]).rows[0]?.value, kind).toEqual(once);
    }
  });

  it('source keys are stable and name the ids', () => {
    const key = <K extends FeedKind>(kind: K) => {
      const value = parseFeed(kind, [VALID[kind]]).rows[0]?.value;
      if (value === undefined) throw new Error(kind);
      return rowKey(kind, value);
    };
    expect(key('accounts_opened')).toBe('accounts_opened:C1');
    expect(key('abnormal')).toBe('abnormal:SSE-2025-031:C1');
    expect(key('aml')).toBe('aml:AML-7:C1');
    expect(key('salesperson_departures')).toBe('salesperson_departure:S1');
    expect(key('complaints')).toBe('complaint:TS-88');
    expect(key('notices')).toBe('notice:N-1:C1');
    expect(key('satisfaction_campaigns')).toBe('satisfaction:SAT-2025Q1');
    expect(key('advisory')).toBe('advisory:ADV-3:C1');
    expect(purposeKey('accounts_opened:C1', 'new_account')).toBe('accounts_opened:C1:new_account');
    expect(purposeKey('satisfaction:SAT-2025Q1', { customerId: 'C9' })).toBe('satisfaction:SAT-2025Q1:C9');
  });
});

describe('feeds: bad rows get a Chinese message naming the row and the field', () => {
  it('a wrong check character', () => {
    const row = { ...VALID.accounts_opened, idNumber: '110105194912310021' };
    expect(messages('accounts_opened', row, 3)).toEqual(['第 3 行：身份证号校验位错误']);
  });

  it('a birth date that does not exist, a wrong length', () => {
    const feb30 = `11010519490230002`;
    const row = { ...VALID.accounts_opened, idNumber: feb30 + idCheckChar(feb30) };
    expect(messages('accounts_opened', row)).toEqual(['第 1 行：身份证号中的出生日期无效']);
    expect(messages('accounts_opened', { ...row, idNumber: '1101051949' })).toEqual([
      '第 1 行：身份证号应为 18 位：17 位数字加 1 位数字或 X',
    ]);
  });

  it('a mobile number that is not one, a channel that does not exist, an opening time without a time', () => {
    const row = {
      ...VALID.accounts_opened,
      mobile: '02161234567',
      channel: 'online',
      openedAt: '2025-03-14',
    };
    expect(parseFeed('accounts_opened', [row], 2).errors[0]?.issues).toEqual([
      { field: 'mobile', message: '手机号格式错误：应为 13–19 开头的 11 位手机号码' },
      { field: 'channel', message: '开户渠道应为 counter / 柜台 / 现场 / nonsite / 非现场 之一' },
      {
        field: 'openedAt',
        message: '开户时间格式错误：应为 YYYY-MM-DD HH:mm（北京时间）或带时区的 ISO 时间',
      },
    ]);
  });

  it('missing fields, an unknown column, a row that is not a record', () => {
    const { customerId: _, ...noId } = VALID.abnormal;
    expect(messages('abnormal', noId, 5)).toEqual(['第 5 行：缺少客户号']);
    expect(messages('abnormal', { ...VALID.abnormal, remark: 'x' })).toEqual(['第 1 行：未知字段：remark']);
    expect(messages('abnormal', 'C1,SSE')).toEqual(['第 1 行：应为一条记录（字段名到值的对象）']);
    expect(messages('abnormal', { ...VALID.abnormal, source: '公安' })[0]).toMatch(/^第 1 行：名单来源应为 /);
  });

  it('ids with a colon (they would make source keys ambiguous)', () => {
    expect(messages('aml', { ...VALID.aml, listId: 'AML:7' })).toEqual([
      '第 1 行：名单编号不能包含冒号或空白',
    ]);
  });

  it('campaigns: a rate outside 0..1, a period that ends before it starts, no branch', () => {
    const c = VALID.satisfaction_campaigns;
    expect(messages('satisfaction_campaigns', { ...c, samplingRate: 1.5 })).toEqual([
      '第 1 行：抽样比例应为 0 到 1 之间的数（如 0.1 或 10%）',
    ]);
    expect(messages('satisfaction_campaigns', { ...c, periodTo: '2025-02-28' })).toEqual([
      '第 1 行：结束日期早于开始日期',
    ]);
    expect(messages('satisfaction_campaigns', { ...c, branchIds: ' 、 ' })).toEqual([
      '第 1 行：缺少营业部编号',
    ]);
  });

  it('several problems in one row are reported together, good rows are kept', () => {
    const bad = { ...VALID.accounts_opened, idNumber: '110105194912310021', mobile: '123', margin: 'maybe' };
    const parsed = parseFeed('accounts_opened', [VALID.accounts_opened, bad, VALID.accounts_opened], 2);
    expect(parsed.rows.map((r) => r.row)).toEqual([2, 4]);
    expect(parsed.errors).toHaveLength(1);
    expect(parsed.errors[0]?.message).toBe(
      '第 3 行：身份证号校验位错误；手机号格式错误：应为 13–19 开头的 11 位手机号码；融资融券标志应为 是/否（true/false）',
    );
  });

  it('any row of anything either parses or carries at least one Chinese message', () => {
    const kinds = Object.keys(FEED_SCHEMAS) as FeedKind[];
    fc.assert(
      fc.property(fc.constantFrom(...kinds), fc.anything(), (kind, row) => {
        const parsed = parseFeed(kind, [row]);
        for (const e of parsed.errors) {
          expect(e.message).toMatch(/^第 1 行：/);
          expect(e.issues.length).toBeGreaterThan(0);
        }
        expect(parsed.rows.length + parsed.errors.length).toBe(1);
      }),
    );
  });

  it('every valid generated ID number is accepted', () => {
    for (let n = 0; n < 50; n++) {
      const row = { ...VALID.accounts_opened, idNumber: idNumber(n) };
      expect(parseFeed('accounts_opened', [row]).errors).toEqual([]);
    }
  });
});
