/**
 * PostgreSQL stopped mid-push (`pg_ctl stop -m immediate`: no shutdown checkpoint, crash recovery at the next
 * start), FAULT_KILLS times, under a head-office process: head office stays up and answers 503 meanwhile,
 * never another 5xx; once PostgreSQL is back the seat catches up, and nothing is lost, repeated or reordered.
 * The cluster is a private one (initdb into a temporary directory, its own port and socket directory), never
 * the shared server on 5432. Skipped, with the reason, where PostgreSQL's server binaries are not installed.
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { openHqDb } from '../../hq/db/database';
import { tempDir } from '../support/fixtures';
import { freePort, startHqProcess } from '../support/hq-process';
import { seedHq } from '../support/hq-seed';
import {
  bound,
  CLEAN,
  type CountingProxy,
  clean,
  countingProxy,
  delay,
  enrolledSeat,
  Gate,
  judge,
  KILLS,
  newFigures,
  nextRequest,
  nextResponse,
  prng,
  readHq,
  readSeat,
  SEED,
  within,
  writeFigures,
} from './support';
import { work } from './work';

const run = promisify(execFile);

/** The newest PostgreSQL server binaries Debian installed (/usr/lib/postgresql/<major>/bin), or null. */
function postgresBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const majors = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] ? join(root, majors[0], 'bin') : null;
}

const root = process.getuid?.() === 0;
const hasPostgresUser = existsSync('/etc/passwd') && /^postgres:/m.test(readFileSync('/etc/passwd', 'utf8'));
const bin = postgresBin();
const skip =
  bin === null
    ? 'PostgreSQL server binaries (/usr/lib/postgresql/*/bin) are not installed'
    : root && !hasPostgresUser
      ? 'running as root without a postgres user to run the private cluster as'
      : null;
if (skip) console.warn(`skipped: PostgreSQL stopped mid-push: ${skip}`);

/** A private PostgreSQL cluster: initdb into a temporary directory, its own port and socket directory. */
async function privateCluster() {
  const dir = mkdtempSync(join(tmpdir(), 'fault-pg-'));
  const data = join(dir, 'data');
  const sockets = join(dir, 'sockets');
  mkdirSync(sockets);
  const port = await freePort();
  const pg = (tool: string, args: string[]) => {
    const exe = join(bin ?? '', tool);
    // initdb refuses to run as root: the cluster is the postgres user's, as Debian's are.
    return root ? run('runuser', ['-u', 'postgres', '--', exe, ...args]) : run(exe, args);
  };
  if (root) {
    const { uid, gid } = await run('id', ['-u', 'postgres']).then(async (u) => ({
      uid: Number(u.stdout.trim()),
      gid: Number((await run('id', ['-g', 'postgres'])).stdout.trim()),
    }));
    chownSync(dir, uid, gid);
    chownSync(sockets, uid, gid);
  }
  await pg('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-instructions']);
  const options = `-p ${port} -k ${sockets} -c listen_addresses=127.0.0.1 -c max_connections=40`;
  const start = () => pg('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start']);
  const stop = () => pg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    /** Stops it for good (immediately) and removes its directory. */
    destroy: async () => {
      await stop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe.skipIf(skip !== null)('PostgreSQL stopped mid-push under head office', () => {
  const tmp = tempDir();
  let cluster: Awaited<ReturnType<typeof privateCluster>> | null = null;
  let proxy: CountingProxy | null = null;
  let hq: ReturnType<typeof startHqProcess> | null = null;
  afterAll(async () => {
    hq?.child.kill('SIGKILL');
    await proxy?.close();
    await cluster?.destroy();
    tmp.cleanup();
  });

  it(
    `stays up answering 503, then the seat catches up with nothing lost (${KILLS} stops)`,
    async () => {
      const f = newFigures('postgres-stop');
      const rand = prng(SEED + 5);
      const pg = await privateCluster();
      cluster = pg;
      const seeding = await openHqDb({ databaseUrl: pg.url });
      await seedHq(seeding, { customers: KILLS * 2 + 20, purposes: ['notification'] });
      await seeding.close();

      const port = await freePort();
      const internal: string[] = [];
      const p = startHqProcess({
        HQ_DATA_DIR: join(tmp.dir, 'hq'),
        DATABASE_URL: pg.url,
        HQ_PORT: String(port),
      });
      hq = p;
      p.child.stderr?.on('data', (d: Buffer) => {
        if (d.toString().includes('总部服务内部错误')) internal.push(d.toString().slice(0, 2000));
      });
      await within(90_000, 'head office to start', p.url);
      let exited: number | string | null = null;
      p.child.once('exit', (code, signal) => {
        exited = code ?? signal;
      });
      proxy = await countingProxy(() => `http://127.0.0.1:${port}`);

      const dbPath = tmp.file('seat.db');
      const { seat, seatId, agentId } = await enrolledSeat(dbPath, proxy.url, '故障 3 号坐席');

      // The seat works and pushes all along; after a refused round it waits until PostgreSQL is back.
      const up = new Gate();
      let stop = false;
      const counter = { i: 0 };
      const pusher = (async () => {
        while (!stop) {
          work(seat.store, 40, { agentId, resultEvery: 10, counter, done: () => {} });
          try {
            await seat.sync.round();
          } catch {
            await up.wait();
          }
        }
      })();
      let pushMs = 30;
      proxy.events.on('response', (_m: string, url: string, status: number, ms: number) => {
        if (url.startsWith('/api/sync/push') && status === 200) pushMs = Math.max(pushMs, ms);
      });

      for (let k = 0; k < KILLS; k++) {
        await nextRequest(proxy, 'POST', '/api/sync/push');
        await delay(rand.int(0, pushMs));
        // Head office's answer to the push cut off, or to the seat's next request that needs the database (the
        // pull after a push that made it, the next push): 503 (anything else is counted).
        const refused = nextResponse(proxy, '/api/sync/', (s) => s >= 500, 60_000);
        up.close();
        await pg.stop();
        f.kills += 1;
        await refused;
        await pg.start();
        up.open();
      }
      stop = true;
      await within(60_000, 'the last round', pusher);
      for (let i = 0; i < 20 && seat.store.outboxStatus().pending > 0; i++) await seat.sync.round();
      expect(seat.store.outboxStatus().pending).toBe(0);
      await seat.shutdown();
      expect(exited).toBeNull();

      const reader = await openHqDb({ databaseUrl: pg.url });
      try {
        judge(f, readSeat(dbPath), await readHq(reader.db, seatId));
      } finally {
        await reader.close();
      }
      const other = proxy.faults.filter((l) => !l.endsWith('→ 503'));
      f['5xx'] = other.length;
      f.detail = {
        ...f.detail,
        '503': proxy.statuses.get(503) ?? 0,
        internalErrors: internal.length,
        pushMs,
        ...(internal[0] ? { firstFault: internal[0].split('\n').slice(0, 2).join(' ') } : {}),
      };
      writeFigures(f);
      expect(clean(f)).toEqual(CLEAN('postgres-stop'));
      expect(internal).toEqual([]);
      expect(other).toEqual([]);
      await hq.stop();
    },
    bound(120_000, 10_000),
  );
});
