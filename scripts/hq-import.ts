/**
 * Imports a feed file into head office:
 *   npm run hq:import -- <kind> <file.csv|file.json> [--hq http://127.0.0.1:8610] [--code HQ01]
 * The password comes from HQ_PASSWORD (never the command line, where other users could read it).
 * Kinds: accounts_opened, abnormal, aml, salesperson_departures, complaints, notices, satisfaction_campaigns,
 * advisory. A CSV has a header row naming the fields (e.g. customerId,name,idNumber,mobile,…).
 * Kind customer_contact: customers' 免打扰 and 偏好时段 (customerId,doNotCall,doNotCallReason,preferredTimes;
 * see hq/contact.ts).
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    hq: { type: 'string', default: 'http://127.0.0.1:8610' },
    code: { type: 'string', default: 'HQ01' },
  },
});
const [kind, file] = positionals;
const password = process.env.HQ_PASSWORD;
if (!kind || !file || !password) {
  console.error(
    '用法：HQ_PASSWORD=… npm run hq:import -- <数据类型> <文件.csv|文件.json> [--hq 地址] [--code 工号]',
  );
  process.exit(2);
}

const text = readFileSync(file, 'utf8');
const csv = extname(file).toLowerCase() === '.csv';
const rows: unknown[] = csv
  ? parse(text, { columns: true, bom: true, skip_empty_lines: true, trim: true })
  : (JSON.parse(text) as unknown[]);

async function post(path: string, body: unknown, token?: string) {
  const res = await fetch(new URL(path, values.hq), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) {
    console.error(`总部拒绝：${String(json.message ?? res.status)}`);
    process.exit(1);
  }
  return json;
}

const login = await post('/api/login', { code: values.code, password });
if (kind === 'customer_contact') {
  const contact = (await post(
    '/api/customers/contact',
    { rows, firstRow: csv ? 2 : 1 },
    String(login.token),
  )) as {
    rows: number;
    updated: number;
    skipped: { row: number; message: string }[];
  };
  console.log(`已导入 ${contact.rows} 行：更新客户 ${contact.updated} 个，跳过 ${contact.skipped.length} 行`);
  for (const s of contact.skipped) console.log(`  ${s.message}`);
  process.exit(0);
}
const report = (await post(`/api/feeds/${kind}`, { rows, firstRow: csv ? 2 : 1 }, String(login.token))) as {
  rows: number;
  tasksCreated: number;
  purposesAdded: number;
  purposesMerged: number;
  skipped: { message: string; reason: string }[];
};
console.log(
  `已导入 ${report.rows} 行：新建任务 ${report.tasksCreated} 个，新增回访事项 ${report.purposesAdded} 项，合并 ${report.purposesMerged} 项，跳过 ${report.skipped.length} 行`,
);
for (const s of report.skipped.filter((x) => x.reason === 'bad_row')) console.log(`  ${s.message}`);
