import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import { inProcessBridge } from '../../electron/seat/in-process';
import { Seat } from '../../electron/seat/seat';
import { startWebHost, type WebHost } from '../../electron/web-host';
import { type HqDb, openHqDb } from '../../hq/db/database';
import type { MethodName, MethodResult, SeatBridge } from '../../shared/contract';
import { seatContentSecurityPolicy } from '../../shared/csp';
import { BRANCH, PASSWORD, tempDir } from './fixtures';
import { freshDatabase, type TestDatabase } from './hq-db';
import { freePort, startHqProcess } from './hq-process';
import { seedHq } from './hq-seed';
import { answeredCall, walkScript } from './script';
import { streamedWebm } from './webm';

const SCRIPTS = resolve(import.meta.dirname, '../../assets/scripts');

export async function invoke<M extends MethodName>(
  bridge: SeatBridge,
  method: M,
  args: unknown,
): Promise<MethodResult<M>> {
  const r = await bridge.invoke(method, args as never);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as MethodResult<M>;
}

/**
 * What the supervisor workspace is tested on: a head-office process (PGlite) with the seeded branch (its
 * supervisor SH01, head-office reviewer RV01, agent A001), a seat enrolled with it behind its web host, and one
 * callback (a `notification`) worked at the seat by A001 with a real stereo WebM recording of `seconds`, its
 * answers `spacingMs` apart, then synced home with the recording uploaded and verified.
 */
export async function startReviewScene(opts: {
  staticDir?: string;
  seconds: number;
  spacingMs: number;
  /** Where the seat saves downloads and exports (default: beside its database). */
  downloadsDir?: string;
  /** Head office over HTTPS with this certificate; the seat enrols trusting `caPem` (and pins the key). */
  tls?: { certPath: string; keyPath: string; caPem: string };
}) {
  const tlsEnv = opts.tls ? { HQ_TLS_CERT: opts.tls.certPath, HQ_TLS_KEY: opts.tls.keyPath } : {};
  const tmp = tempDir();
  const hqDataDir = join(tmp.dir, 'hq');
  mkdirSync(hqDataDir);
  const port = String(await freePort());
  const database: TestDatabase = await freshDatabase('pglite', hqDataDir);
  const db = await database.open();
  const seeded = await seedHq(db, { customers: 3, purposes: ['notification'] });
  await db.close();
  let hq = startHqProcess({
    HQ_DATA_DIR: hqDataDir,
    DATABASE_URL: database.options().databaseUrl,
    HQ_PORT: port,
    ...tlsEnv,
  });
  const hqUrl = await hq.url;
  // The seat's clock: moved on by the call's length once it is recorded, so the answers may fall anywhere in it.
  let ahead = 0;
  const seat = Seat.open({
    dbPath: tmp.file('seat.db'),
    now: () => new Date(Date.now() + ahead),
    appVersion: 'review-test',
    onDefect: () => {},
    ...(opts.downloadsDir ? { downloadsDir: opts.downloadsDir } : {}),
    sync: { intervalMs: 200, maxBackoffMs: 400 },
  });
  seat.store.ensureSeat(BRANCH);
  seat.loadScripts([SCRIPTS]);
  const host: WebHost = await startWebHost({
    seat,
    staticDir: opts.staticDir ?? tmp.dir,
    // As `npm start` runs it: the page may reach the PBX the seat's settings name.
    contentSecurityPolicy: () => seatContentSecurityPolicy(seat.store.settings()['sip.wsUrl']),
  });
  const agent = inProcessBridge(seat);
  await invoke(agent, 'sync.enrol', {
    hqUrl,
    code: 'SH01',
    password: PASSWORD,
    name: '上海 1 号坐席',
    ...(opts.tls ? { caCertPem: opts.tls.caPem } : {}),
  });
  await seat.sync.round();
  await invoke(agent, 'session.login', { agentCode: 'A001', password: PASSWORD });

  const agentId = seeded.agent;
  const taskId = seeded.tasks[0] as string;
  const call = answeredCall(seat.store, agentId, taskId, join(tmp.dir, 'recordings'));
  const answeredAt = Date.parse(seat.store.now());
  const webm = streamedWebm(opts.seconds);
  const half = Math.floor(webm.length / 2);
  call.recordings.chunk({ recordingId: call.recordingId, agentId, seq: 0, data: webm.subarray(0, half) });
  call.recordings.chunk({ recordingId: call.recordingId, agentId, seq: 1, data: webm.subarray(half) });
  ahead = opts.seconds * 1000;
  walkScript(seat.store, agentId, taskId, call.recordingId, {}, undefined, opts.spacingMs);
  await invoke(agent, 'call.end', {
    attemptId: call.attemptId,
    answeredAt: new Date(answeredAt).toISOString(),
    endedAt: new Date(answeredAt + opts.seconds * 1000).toISOString(),
    outcome: 'answered',
    sipCode: 200,
  });
  const finished = call.recordings.finish({
    recordingId: call.recordingId,
    agentId,
    durationMs: opts.seconds * 1000,
  });
  const resultId = crypto.randomUUID();
  await invoke(agent, 'result.commit', {
    id: resultId,
    taskId,
    attemptId: call.attemptId,
    outcome: 'completed',
    disposition: 'connected',
    notes: '',
    retryAt: null,
    supersedesId: null,
  });
  await seat.sync.round();
  expect(seat.store.uploadsWaiting()).toBe(0);

  const scene = {
    tmp,
    seat,
    host,
    seeded,
    hqUrl,
    done: {
      recordingId: call.recordingId,
      sha256: finished.sha256,
      resultId,
      /** The result's instant by the seat's clock: the month it is sampled in. */
      committedAt: (
        seat.store.db.prepare('SELECT created_at FROM results WHERE id = ?').get(resultId) as {
          created_at: string;
        }
      ).created_at,
    },
    stopHq: () => hq.stop(),
    /** Head office again on the same address; `tls` another certificate and key (an impostor's, say). */
    startHq: async (tls: { HQ_TLS_CERT?: string; HQ_TLS_KEY?: string } = tlsEnv) => {
      hq = startHqProcess({
        HQ_DATA_DIR: hqDataDir,
        DATABASE_URL: database.options().databaseUrl,
        HQ_PORT: port,
        ...tls,
      });
      await hq.url;
    },
    /** Head office's database read directly, its process stopped meanwhile (PGlite allows one process). */
    async withHqStopped<T>(read: (db: HqDb['db']) => Promise<T>): Promise<T> {
      await hq.stop();
      const direct = await openHqDb(database.options());
      try {
        return await read(direct.db);
      } finally {
        await direct.close();
        await scene.startHq();
      }
    },
    async close() {
      await host.close();
      await seat.shutdown();
      await hq.stop();
      await database.drop();
      tmp.cleanup();
    },
  };
  return scene;
}
