/**
 * Recording uploads (tus, resumable) through a TCP proxy that cuts them, FAULT_KILLS times: after a random
 * number of the upload's bytes (the seat's connection reset mid-body), or by dropping head office's answer to
 * the last chunk (head office has the file, the seat does not know). Now and then several cuts in a row, so that
 * the seat's own retries give up and the next round resumes from the upload URL its store kept. In the end
 * every recording is stored at head office with the seat's SHA-256, and its file hashes to it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { inProcessBridge } from '../../electron/seat/in-process';
import { Seat } from '../../electron/seat/seat';
import { BRANCH, PASSWORD, tempDir } from '../support/fixtures';
import { invoke } from '../support/review-scene';
import { answeredCall } from '../support/script';
import {
  bound,
  CLEAN,
  type CountingProxy,
  clean,
  countingProxy,
  judge,
  KILLS,
  newFigures,
  prng,
  readHq,
  readSeat,
  SEED,
  seededHq,
  writeFigures,
} from './support';

interface Plan {
  mode: 'body' | 'answer';
  /** Bytes of the upload request passed on before the cut (mode `body`). */
  budget: number;
  /** Cuts left in this plan. */
  left: number;
}

const REQUEST_LINE = /^(GET|HEAD|POST|PATCH|PUT|DELETE|OPTIONS) \//;

/** A TCP proxy that cuts a connection carrying a tus PATCH as `plan` says, then passes everything on again. */
async function cuttingProxy(port: () => number) {
  let plan: Plan | null = null;
  let cuts = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(port(), '127.0.0.1');
    let uploading = false;
    let counted = 0;
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    const cut = () => {
      cuts += 1;
      if (plan) plan.left -= 1;
      if (plan && plan.left <= 0) plan = null;
      client.resetAndDestroy();
      upstream.resetAndDestroy();
    };
    client.on('data', (chunk: Buffer) => {
      if (REQUEST_LINE.test(chunk.subarray(0, 8).toString('latin1'))) {
        uploading = chunk.subarray(0, 20).toString('latin1').startsWith('PATCH /api/uploads/');
        counted = 0;
      }
      if (uploading && plan?.mode === 'body') {
        counted += chunk.length;
        if (counted >= plan.budget) {
          upstream.write(chunk.subarray(0, chunk.length - (counted - plan.budget)));
          cut();
          return;
        }
      }
      if (!upstream.write(chunk)) client.pause();
    });
    upstream.on('drain', () => client.resume());
    upstream.on('data', (chunk: Buffer) => {
      // Head office answered the upload's last chunk: that answer is lost.
      if (uploading && plan?.mode === 'answer') {
        cut();
        return;
      }
      if (!client.write(chunk)) upstream.pause();
    });
    client.on('drain', () => upstream.resume());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arm: (p: Plan) => {
      plan = p;
    },
    disarm: () => {
      plan = null;
    },
    cuts: () => cuts,
    close: () =>
      new Promise<void>((done) => {
        for (const s of sockets) s.destroy();
        server.close(() => done());
      }),
  };
}

describe('recording uploads cut by the network', () => {
  const tmp = tempDir();
  let t: Awaited<ReturnType<typeof seededHq>> | null = null;
  let counting: CountingProxy | null = null;
  let cutting: Awaited<ReturnType<typeof cuttingProxy>> | null = null;
  let seat: Seat | null = null;
  afterAll(async () => {
    await seat?.shutdown();
    await cutting?.close();
    await counting?.close();
    await t?.close();
    tmp.cleanup();
  });

  it(
    `stores every recording whole, its SHA-256 the seat's, through ${KILLS} cuts`,
    async () => {
      const f = newFigures('upload-cut');
      const rand = prng(SEED + 6);
      const hq = await seededHq('pglite', 10);
      t = hq;
      counting = await countingProxy(() => hq.url);
      const countingPort = Number(new URL(counting.url).port);
      const cut = await cuttingProxy(() => countingPort);
      cutting = cut;

      const s = Seat.open({ dbPath: tmp.file('seat.db'), appVersion: 'fault-test', onDefect: () => {} });
      seat = s;
      s.store.ensureSeat(BRANCH);
      await invoke(inProcessBridge(s), 'sync.enrol', {
        hqUrl: cut.url,
        code: 'SH01',
        password: PASSWORD,
        name: '故障 4 号坐席',
      });
      await s.sync.round();
      const seatId = s.store.seat()?.id ?? '';
      const agentId = s.store.agentByCode('A001')?.id ?? '';
      const taskId = hq.seeded.tasks[0] ?? '';

      /** A finished recording of `size` random bytes, its attempt ended: its facts in the outbox. */
      const record = (size: number) => {
        const call = answeredCall(s.store, agentId, taskId, tmp.file('recordings'));
        for (let seq = 0, left = size; left > 0; seq++) {
          const n = Math.min(left, 256 * 1024);
          call.recordings.chunk({ recordingId: call.recordingId, agentId, seq, data: randomBytes(n) });
          left -= n;
        }
        const at = s.store.now();
        s.store.endCall({
          attemptId: call.attemptId,
          agentId,
          answeredAt: at,
          endedAt: at,
          outcome: 'answered',
          sipCode: 200,
        });
        call.recordings.finish({ recordingId: call.recordingId, agentId, durationMs: 60_000 });
        return call.recordingId;
      };

      const ids: string[] = [];
      let failedRounds = 0;
      let several = 0;
      while (cut.cuts() < KILLS) {
        const size = rand.int(64 * 1024, 1536 * 1024);
        ids.push(record(size));
        // Mostly one cut (the seat's client resumes at once); every fifth plan four, more than it retries.
        const left = ids.length % 5 === 0 ? 4 : 1;
        if (left > 1) several += 1;
        cut.arm({ mode: rand.next() < 0.75 ? 'body' : 'answer', budget: rand.int(1, size), left });
        try {
          await s.sync.round();
        } catch {
          failedRounds += 1;
        }
        // A plan the round did not use up (its cuts outnumbered the tries) is dropped before the next one.
        cut.disarm();
      }
      f.kills = cut.cuts();
      for (let i = 0; i < 10 && (s.store.uploadsWaiting() > 0 || s.store.outboxStatus().pending > 0); i++)
        await s.sync.round();

      // Every recording at head office: stored, the seat's SHA-256, the file hashing to it.
      let lost = 0;
      for (const id of ids) {
        const local = s.store.db.prepare('SELECT sha256, path FROM recordings WHERE id = ?').get(id) as {
          sha256: string;
          path: string;
        };
        const atHq = await hq.hq.db.db
          .selectFrom('recordings')
          .select(['sha256', 'stored_at'])
          .where('id', '=', id)
          .executeTakeFirst();
        const file = hq.hq.recordings.localPath(seatId, id);
        const hash = (() => {
          try {
            return createHash('sha256').update(readFileSync(file)).digest('hex');
          } catch {
            return null;
          }
        })();
        const mine = createHash('sha256').update(readFileSync(local.path)).digest('hex');
        if (!atHq?.stored_at || atHq.sha256 !== local.sha256 || hash !== local.sha256 || mine !== hash)
          lost += 1;
      }
      const waiting = s.store.uploadsWaiting();
      await s.shutdown();
      seat = null;
      judge(f, readSeat(tmp.file('seat.db')), await readHq(hq.hq.db.db, seatId));
      f.lost += lost;
      f['5xx'] = counting.fiveXx();
      // What a cut-off upload left behind at head office (a part no upload will finish).
      const leftover = readdirSync(hq.uploadsDir).length;
      f.detail = { ...f.detail, recordings: ids.length, failedRounds, severalCuts: several, leftover };
      writeFigures(f);
      expect(clean(f)).toEqual(CLEAN('upload-cut'));
      expect(counting.faults).toEqual([]);
      expect(waiting).toBe(0);
    },
    bound(90_000, 8_000),
  );
});
