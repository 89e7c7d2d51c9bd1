/**
 * `npm run hq`: head office on its embedded defaults — PGlite in a data directory, recordings in a folder —
 * or on PostgreSQL when DATABASE_URL is set. An administrator HQ01 is created on first start.
 *   HQ_TLS_CERT, HQ_TLS_KEY: PEM files of head office's certificate (its chain after it) and key: HTTPS.
 *   HQ_DATA_DIR (default ~/.local/share/callback-console-hq), HQ_PORT (default 8610), HQ_HOST (127.0.0.1),
 *   HQ_ADMIN_PASSWORD: HQ01's first password. Without it head office makes a strong one, prints it once, and
 *   HQ01 must change it at the first login. There is no default password (`npm start`'s demo has its own).
 * Recordings past their retention period (rules: `retention`) and not on legal hold are removed at start and daily.
 * A year that deadlines reach but whose holiday schedule is not configured is warned of at start and daily.
 * The audit chain's head is signed (Ed25519, the key a 0600 file in HQ_DATA_DIR) and kept in the recordings
 * store at start and daily: `npm run audit:verify` checks the chains against these anchors.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from './app';
import { sealAuditChain } from './audit-chain';
import { hashPassword } from './auth/password';
import type { Hq } from './context';
import { openHqDb } from './db/database';
import { passwordProblem } from './http/login';
import { DirectoryRecordingStore } from './recordings/store';
import { upsertUser } from './reference';
import { purgeExpired } from './retention';
import { createRules, type Rules } from './rules';
import { logCalendarWarnings } from './watch';

const dataDir = process.env.HQ_DATA_DIR ?? join(homedir(), '.local/share/callback-console-hq');
mkdirSync(dataDir, { recursive: true, mode: 0o700 });
chmodSync(dataDir, 0o700); // one made before, too: recordings and the database are personal data
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
  const given = process.env.HQ_ADMIN_PASSWORD;
  const problem = given === undefined ? null : passwordProblem('HQ01', given);
  if (problem) {
    console.error(`HQ_ADMIN_PASSWORD 不可用：${problem}`);
    process.exit(1);
  }
  // 18 random bytes: 24 characters of base64url, 144 bits.
  const password = given ?? randomBytes(18).toString('base64url');
  const id = await upsertUser(db.db, {
    code: 'HQ01',
    name: '总部管理员',
    role: 'admin',
    branchId: null,
    passwordHash: await hashPassword(password),
  });
  if (given === undefined) {
    await db.db.updateTable('users').set({ must_change_password: true }).where('id', '=', id).execute();
    // Printed this once and never stored in clear: whoever starts head office first hands it on.
    console.log(`首次启动：已创建总部管理员 HQ01，初始密码（仅显示这一次，首次登录须修改）：${password}`);
  } else {
    console.log('首次启动：已创建总部管理员 HQ01（密码取自 HQ_ADMIN_PASSWORD）');
  }
}

// HQ_TLS_CERT / HQ_TLS_KEY: PEM files; head office then serves HTTPS only (seats refuse plain HTTP to anything
// but this machine). Both or neither.
const tlsFiles = [process.env.HQ_TLS_CERT, process.env.HQ_TLS_KEY];
if (tlsFiles.filter(Boolean).length === 1) {
  console.error('HQ_TLS_CERT 与 HQ_TLS_KEY 须同时设置');
  process.exit(1);
}
let tls: { cert: Buffer; key: Buffer } | undefined;
if (tlsFiles[0] && tlsFiles[1]) {
  try {
    tls = { cert: readFileSync(tlsFiles[0]), key: readFileSync(tlsFiles[1]) };
  } catch (error) {
    console.error(`无法读取 TLS 证书或私钥：${(error as Error).message}`);
    process.exit(1);
  }
}
const app = await buildApp(hq, { uploadsDir: join(dataDir, 'uploads'), ...(tls ? { tls } : {}) });
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
// The audit chain's head signed and kept apart (hq/audit-chain.ts): at start and then daily.
const seal = () =>
  sealAuditChain(hq, dataDir).catch((error: unknown) => console.error(`审计链封存失败：${String(error)}`));
void seal();
const daily = setInterval(() => {
  void purge();
  void seal();
}, 24 * 3600_000);
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
