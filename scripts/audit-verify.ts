/**
 * Verifies the audit trails (issue 14, point 5):
 *   npm run audit:verify                        head office: its own chain, every seat chain it holds, the
 *                                               signed anchors (HQ_DATA_DIR, DATABASE_URL as `npm run hq`)
 *   npm run audit:verify -- --seat <seat.db>    a seat's own chain (with the seat closed: it holds its file)
 * Names the first broken link of each chain and exits 1 when there is one; 0 when all hold.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { verifySeatChain } from '../electron/seat/store/audit-chain';
import { verifyAuditChains } from '../hq/audit-chain';
import { openHqDb } from '../hq/db/database';
import { DirectoryRecordingStore } from '../hq/recordings/store';

const { values } = parseArgs({ options: { seat: { type: 'string' } } });

if (values.seat) {
  const db = new Database(values.seat, { readonly: true, fileMustExist: true });
  try {
    const { entries, broken } = verifySeatChain(db);
    if (broken) {
      console.error(`坐席审计链在第 ${broken.seq} 条断开（记录 ${broken.id ?? '无'}）：${broken.reason}`);
      process.exitCode = 1;
    } else {
      console.log(`坐席审计链完好：共 ${entries} 条`);
    }
  } finally {
    db.close();
  }
} else {
  const dataDir = process.env.HQ_DATA_DIR ?? join(homedir(), '.local/share/callback-console-hq');
  const db = await openHqDb({ databaseUrl: process.env.DATABASE_URL, dataDir: join(dataDir, 'pgdata') });
  try {
    const report = await verifyAuditChains(
      { db, recordings: new DirectoryRecordingStore(join(dataDir, 'recordings')) },
      dataDir,
    );
    console.log(
      `总部审计链 ${report.hqEntries} 条，坐席审计链 ${report.seatChains} 条链共 ${report.seatEntries} 条，签名锚点 ${report.anchors} 个`,
    );
    if (!report.keyFromFile && report.anchors > 0) {
      console.warn('注意：数据目录中没有签名密钥文件，锚点以数据库中的公钥核对（持有数据库权限者可替换）');
    }
    for (const b of report.breaks) {
      console.error(`${b.chain}：第 ${b.seq} 条断开（记录 ${b.id ?? '无'}）：${b.reason}`);
    }
    if (report.breaks.length > 0) process.exitCode = 1;
    else console.log('审计链完好');
  } finally {
    await db.close();
  }
}
