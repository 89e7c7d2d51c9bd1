import ExcelJS from 'exceljs';
import { sql } from 'kysely';
import type { REPORT_SECTIONS, Report, ReportQuery } from '../shared/contract/review';

export type ReportSection = (typeof REPORT_SECTIONS)[number];

import { CALLBACK_TYPE_ZH, type CallbackType } from '../shared/domain/callback-types';
import type { Hq } from './context';

/**
 * What branch managers and head office read for a period: coverage of the callbacks required (purposes created
 * in the period) per branch and type, with deadlines met and missed and unreachable customers; findings by
 * branch and by salesperson; re-check scores. One SQL statement per section, on either database.
 */
export async function buildReport(hq: Hq, q: ReportQuery): Promise<Report> {
  const db = hq.db.db;
  const now = hq.now().toISOString();
  const branch = q.branchId ?? null;
  // Training calls (演练线路) are never evidence: a training result completes no callback, and findings raised
  // against a simulated customer count nowhere (`results.training`, `findings.training`, migration 0014).
  const coverage = await sql<{
    branch_id: string;
    type: string;
    required: number;
    completed: number;
    on_time: number;
    late: number;
    missed: number;
    unreachable: number;
  }>`
    SELECT t.branch_id, tp.type,
      count(*) AS required,
      count(*) FILTER (WHERE done.first_at IS NOT NULL) AS completed,
      count(*) FILTER (WHERE done.first_at IS NOT NULL AND done.first_at <= tp.deadline_at) AS on_time,
      count(*) FILTER (WHERE done.first_at IS NOT NULL AND done.first_at > tp.deadline_at) AS late,
      count(*) FILTER (WHERE done.first_at IS NULL AND tp.deadline_at < ${now}::timestamptz) AS missed,
      count(*) FILTER (WHERE done.first_at IS NULL AND unr.found) AS unreachable
    FROM task_purposes tp
    JOIN tasks t ON t.id = tp.task_id
    LEFT JOIN LATERAL (
      SELECT min(r.created_at) AS first_at FROM results r
      WHERE r.task_id = tp.task_id AND r.outcome = 'completed' AND r.training IS NULL
    ) done ON true
    LEFT JOIN LATERAL (
      SELECT true AS found FROM results r
      WHERE r.task_id = tp.task_id AND r.outcome = 'unreachable' AND r.training IS NULL LIMIT 1
    ) unr ON true
    WHERE tp.created_at >= ${q.from}::timestamptz AND tp.created_at < ${q.to}::timestamptz
      AND (${branch}::text IS NULL OR t.branch_id = ${branch}::text)
    GROUP BY t.branch_id, tp.type
    ORDER BY t.branch_id, tp.type`.execute(db);

  const findingsByBranch = await sql<{ branch_id: string; open: number; resolved: number; total: number }>`
    SELECT f.branch_id,
      count(*) FILTER (WHERE last.action IS DISTINCT FROM 'resolve') AS open,
      count(*) FILTER (WHERE last.action = 'resolve') AS resolved,
      count(*) AS total
    FROM findings f
    JOIN results r ON r.id = f.result_id
    LEFT JOIN LATERAL (
      SELECT a.action FROM finding_actions a WHERE a.finding_id = f.id ORDER BY a.at DESC, a.id DESC LIMIT 1
    ) last ON true
    WHERE NOT f.training AND r.created_at >= ${q.from}::timestamptz AND r.created_at < ${q.to}::timestamptz
      AND (${branch}::text IS NULL OR f.branch_id = ${branch}::text)
    GROUP BY f.branch_id
    ORDER BY f.branch_id`.execute(db);

  const findingsBySalesperson = await sql<{
    salesperson_id: string;
    code: string | null;
    name: string | null;
    branch_id: string;
    total: number;
  }>`
    SELECT f.salesperson_id, s.code, s.name, f.branch_id, count(*) AS total
    FROM findings f
    JOIN results r ON r.id = f.result_id
    LEFT JOIN salespeople s ON s.id = f.salesperson_id
    WHERE f.salesperson_id IS NOT NULL AND NOT f.training
      AND r.created_at >= ${q.from}::timestamptz AND r.created_at < ${q.to}::timestamptz
      AND (${branch}::text IS NULL OR f.branch_id = ${branch}::text)
    GROUP BY f.salesperson_id, s.code, s.name, f.branch_id
    ORDER BY total DESC, f.salesperson_id
    LIMIT 100`.execute(db);

  const rechecks = await sql<{
    branch_id: string;
    sampled: number;
    evaluated: number;
    passed: number;
    failed: number;
    average_score: number | null;
  }>`
    SELECT k.branch_id,
      count(*) AS sampled,
      count(e.recheck_id) AS evaluated,
      count(*) FILTER (WHERE e.passed) AS passed,
      count(*) FILTER (WHERE NOT e.passed) AS failed,
      round(avg(e.score)::numeric, 1)::float8 AS average_score
    FROM rechecks k
    JOIN results r ON r.id = k.result_id
    LEFT JOIN recheck_evaluations e ON e.recheck_id = k.id
    WHERE r.training IS NULL AND r.created_at >= ${q.from}::timestamptz AND r.created_at < ${q.to}::timestamptz
      AND (${branch}::text IS NULL OR k.branch_id = ${branch}::text)
    GROUP BY k.branch_id
    ORDER BY k.branch_id`.execute(db);

  return {
    from: q.from,
    to: q.to,
    coverage: coverage.rows.map((r) => ({
      branchId: r.branch_id,
      type: r.type,
      required: Number(r.required),
      completed: Number(r.completed),
      onTime: Number(r.on_time),
      late: Number(r.late),
      missed: Number(r.missed),
      unreachable: Number(r.unreachable),
    })),
    findingsByBranch: findingsByBranch.rows.map((r) => ({
      branchId: r.branch_id,
      open: Number(r.open),
      resolved: Number(r.resolved),
      total: Number(r.total),
    })),
    findingsBySalesperson: findingsBySalesperson.rows.map((r) => ({
      salespersonId: r.salesperson_id,
      code: r.code,
      name: r.name,
      branchId: r.branch_id,
      total: Number(r.total),
    })),
    rechecks: rechecks.rows.map((r) => ({
      branchId: r.branch_id,
      sampled: Number(r.sampled),
      evaluated: Number(r.evaluated),
      passed: Number(r.passed),
      failed: Number(r.failed),
      averageScore: r.average_score === null ? null : Number(r.average_score),
    })),
  };
}

type Cell = string | number | null;
interface Table {
  title: string;
  header: string[];
  rows: Cell[][];
}

const pct = (part: number, whole: number): Cell =>
  whole === 0 ? null : Math.round((part / whole) * 1000) / 10;

/** The report's sections as tables with Chinese headers, in the order the screen shows them. */
export function reportTables(report: Report): Record<ReportSection, Table> {
  return {
    coverage: {
      title: '回访覆盖',
      header: [
        '营业部',
        '回访类型',
        '应回访',
        '已完成',
        '覆盖率%',
        '按时完成',
        '逾期完成',
        '逾期未完成',
        '无法联系',
      ],
      rows: report.coverage.map((c) => [
        c.branchId,
        CALLBACK_TYPE_ZH[c.type as CallbackType] ?? c.type,
        c.required,
        c.completed,
        pct(c.completed, c.required),
        c.onTime,
        c.late,
        c.missed,
        c.unreachable,
      ]),
    },
    findingsByBranch: {
      title: '问题（按营业部）',
      header: ['营业部', '未处理', '已处理', '合计'],
      rows: report.findingsByBranch.map((f) => [f.branchId, f.open, f.resolved, f.total]),
    },
    findingsBySalesperson: {
      title: '问题（按营销人员）',
      header: ['营销人员工号', '姓名', '营业部', '问题数'],
      rows: report.findingsBySalesperson.map((f) => [f.code ?? f.salespersonId, f.name, f.branchId, f.total]),
    },
    rechecks: {
      title: '复核评分',
      header: ['营业部', '抽查', '已复核', '合格', '不合格', '平均分'],
      rows: report.rechecks.map((r) => [
        r.branchId,
        r.sampled,
        r.evaluated,
        r.passed,
        r.failed,
        r.averageScore,
      ]),
    },
  };
}

/**
 * Text a spreadsheet would take for a formula, neutralised with a leading `'` (OWASP's CSV injection advice): a
 * leading = + - @, and TAB and CR too, which Excel and LibreOffice skip before looking for one (`\t=cmd|…`).
 * Names and codes come from feeds and seats, so any of them may carry one. Numbers are written as numbers: a
 * negative count is not a formula.
 */
export function neutralised(v: Cell): Cell {
  return typeof v === 'string' && /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
}

const csvCell = (v: Cell) => {
  const safe = v === null ? '' : String(neutralised(v));
  // Quoted when needed: a comma, a quote or a line break inside a cell.
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
};

/** One section as CSV, UTF-8 with a byte-order mark so that Excel opens the Chinese headers correctly. */
export function reportCsv(table: Table): Buffer {
  const lines = [table.header, ...table.rows].map((row) => row.map(csvCell).join(','));
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8')]);
}

/** Every section as one workbook, a sheet each, header row bold and frozen. */
export async function reportXlsx(report: Report): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  book.creator = '回访坐席台 · 总部';
  book.created = new Date(report.to);
  for (const table of Object.values(reportTables(report))) {
    const sheet = book.addWorksheet(table.title, { views: [{ state: 'frozen', ySplit: 1 }] });
    sheet.addRow(table.header).font = { bold: true };
    // A string cell is never evaluated in the workbook itself, but saved again as CSV it would be: the same
    // neutralising as the CSV export.
    for (const row of table.rows) sheet.addRow(row.map(neutralised));
    sheet.columns.forEach((c) => {
      c.width = 14;
    });
  }
  return Buffer.from(await book.xlsx.writeBuffer());
}
