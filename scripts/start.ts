/**
 * `npm start`: opens this seat's store (`.seat-data/seat.db`, or SEAT_DB), loads the demo branch on first
 * start, and prints the seat's state: branch, schema, open tasks by callback type, deadlines, sync queue.
 * The console window (Electron, or the browser seat) is the next piece of work; until it exists this is
 * what starting the seat shows.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DEMO_PASSWORD, seedDemo } from '../electron/seat/demo/seed';
import { StoreOpenError } from '../electron/seat/store/database';
import { SeatStore } from '../electron/seat/store/seat-store';
import { CALLBACK_TYPE_ZH, CALLBACK_TYPES } from '../shared/domain/callback-types';

const path = resolve(process.env.SEAT_DB ?? '.seat-data/seat.db');
mkdirSync(dirname(path), { recursive: true });
let store: SeatStore;
try {
  store = SeatStore.open(path);
} catch (error) {
  if (error instanceof StoreOpenError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
if (!store.seat()) {
  const counts = await seedDemo(store);
  console.log(`首次启动：已载入演示营业部（${counts.customers} 位客户，${counts.tasks} 个回访任务）。`);
}
const seat = store.seat();
const now = new Date();
const endOfToday = new Date(now);
endOfToday.setHours(23, 59, 59, 999);
const rows = store.db
  .prepare(
    `SELECT p.type, count(*) AS open,
            sum(p.deadline_at < :now) AS overdue,
            sum(p.deadline_at >= :now AND p.deadline_at <= :today) AS today
     FROM task_purposes p JOIN tasks t ON t.id = p.task_id WHERE t.status = 'open' GROUP BY p.type`,
  )
  .all({ now: now.toISOString(), today: endOfToday.toISOString() }) as {
  type: string;
  open: number;
  overdue: number;
  today: number;
}[];
const outbox = store.outboxStatus();
console.log(
  `坐席 ${seat?.id} · ${seat?.branchName}（${seat?.branchId}）· 数据库 ${path} · 架构版本 ${store.schemaVersion}`,
);
console.log('回访类型'.padEnd(12, '　'), '待办', '逾期', '今日到期');
for (const type of CALLBACK_TYPES) {
  const r = rows.find((x) => x.type === type);
  console.log(CALLBACK_TYPE_ZH[type].padEnd(12, '　'), r?.open ?? 0, r?.overdue ?? 0, r?.today ?? 0);
}
console.log(
  `待同步：${outbox.pending} 条（最新序号 ${outbox.lastSeq}）。演示工号 A001–A008，密码 ${DEMO_PASSWORD}。`,
);
store.close();
