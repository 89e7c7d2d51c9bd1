/**
 * `npm run hq`: head office on its embedded defaults — PGlite in a data directory, recordings in a folder —
 * or on PostgreSQL when DATABASE_URL is set. An administrator HQ01 is created on first start.
 *   HQ_DATA_DIR (default ~/.local/share/callback-console-hq), HQ_PORT (default 8610), HQ_HOST (127.0.0.1),
 *   HQ_ADMIN_PASSWORD (default huifang123, for the demo).
 * Recordings past their retention period (rules: `retention`) and not on legal hold are removed at start and daily.
 * A year that deadlines reach but whose holiday schedule is not configured is warned of at start and daily.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from './app';
import type { Hq } from './context';
import { openHqDb } from './db/database';
import { DirectoryRecordingStore } from './recordings/store';
import { upsertUser } from './reference';
import { purgeExpired } from './retention';
import { createRules, type Rules } from './rules';
import { logCalendarWarnings } from './watch';

const dataDir = process.env.HQ_DATA_DIR ?? join(homedir(), '.local/share/callback-console-hq');
mkdirSync(dataDir, { recursive: true });
const db = await openHqDb({ databaseUrl: process.env.DATABASE_URL, dataDir: join(dataDir, 'pgdata') });
// HQ_RULES_FILE: the task rules as JSON (holidays, make-up working days, opening hours, deadlines, the
// quarterly cap); see hq/rules/config.ts. Refused with the reason when it does not fit.
let rules: Rules | undefined;
if (process.env.HQ_RULES_FILE) {
  try {
    rules = createRules(JSON.parse(readFileSync(process.env.HQ_RULES_FILE, 'utf8')));
  } catch (error) {
    console.error(`回访规则文件无效（${process.env.HQ_RULES_FILE}）：${(error as Error).message}`);
    process.exit(1);
  }
}
const hq: Hq = {
  db,
  recordings: new DirectoryRecordingStore(join(dataDir, 'recordings')),
  now: () => new Date(),
  ...(rules ? { rules } : {}),
};

const users = await db.db.selectFrom('users').select('id').limit(1).execute();
if (users.length === 0) {
  await upsertUser(db.db, {
    code: 'HQ01',
    name: '总部管理员',
    role: 'admin',
    branchId: null,
    password: process.env.HQ_ADMIN_PASSWORD ?? 'huifang123',
  });
  console.log('首次启动：已创建总部管理员 HQ01');
}

const app = await buildApp(hq, { uploadsDir: join(dataDir, 'uploads') });
const url = await app.listen({
  host: process.env.HQ_HOST ?? '127.0.0.1',
  port: Number(process.env.HQ_PORT ?? 8610),
});
console.log(
  `总部服务已启动：${url}（数据库：${db.kind === 'pglite' ? `PGlite ${join(dataDir, 'pgdata')}` : 'PostgreSQL'}）`,
);

// Recordings past their retention period and not on legal hold: removed at start and then daily.
const purge = () =>
  purgeExpired(hq).then(
    ({ purged, held }) => {
      if (purged.length + held.length > 0) {
        console.log(`录音保存期限：删除 ${purged.length} 条，法律保全中保留 ${held.length} 条`);
      }
    },
    (error: unknown) => console.error(`录音保存期限处理失败：${String(error)}`),
  );
void purge();
const daily = setInterval(purge, 24 * 3600_000);
// A year whose holiday schedule is missing: said at start and once a day (deadlines in it count weekends only).
const stopCalendarWarnings = logCalendarWarnings(hq, (line) => console.warn(`回访规则：${line}`));

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    clearInterval(daily);
    stopCalendarWarnings();
    void app
      .close()
      .then(() => db.close())
      .then(() => process.exit(0));
  });
}
