/**
 * `npm run seed:demo [-- --db PATH]`: creates (or refreshes) a seat database with the demo branch.
 * Default PATH: .seat-data/seat.db, the file `npm start` uses.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEMO_PASSWORD, seedDemo } from '../electron/seat/demo/seed';
import { StoreOpenError } from '../electron/seat/store/database';
import { SeatStore } from '../electron/seat/store/seat-store';

const { values } = parseArgs({ options: { db: { type: 'string', default: '.seat-data/seat.db' } } });
const path = resolve(values.db);
mkdirSync(dirname(path), { recursive: true });
try {
  const store = SeatStore.open(path);
  const counts = await seedDemo(store);
  const agents = store.db.prepare('SELECT code, name, role FROM agents ORDER BY code').all() as {
    code: string;
    name: string;
    role: string;
  }[];
  store.close();
  console.log(`演示数据已写入 ${path}：${counts.customers} 位客户，${counts.tasks} 个回访任务。`);
  console.log(
    `登录工号：${agents.map((a) => `${a.code}（${a.name}${a.role === 'agent' ? '' : `，${a.role}`}）`).join('、')}`,
  );
  console.log(`密码：${DEMO_PASSWORD}`);
} catch (error) {
  if (error instanceof StoreOpenError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
