/**
 * The authorization matrix (issue 14, "Done when"): every head-office route × every kind of principal × two
 * branches, each answer compared with the class the table below says, on PGlite and on PostgreSQL. The table
 * is the statement of who may do what (read from each route's `requireUser`/`requireBranch`/`requireSeat`);
 * the set of routes Fastify registers must equal the table's, so a route added without an expectation fails.
 *
 * Principals: nobody, a forged bearer, an expired session, an idle one, a logged-out one, a seat's token sent
 * as a bearer, a seat (`Seat <token>`, of BRANCH), a forged seat token, and users of every role — the branch
 * roles once per branch, the head-office roles with no branch. Branches: every route is asked about data of
 * BRANCH and of OTHER_BRANCH (its ids in the path, query or body); routes with no branch in them are asked
 * the same twice. Whatever a call changes, it changes on a target of its own (a seat, a user, a lock, a
 * re-check, a recording), so no cell's answer depends on another's.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { RouteOptions } from 'fastify';
import { v4 as uuidv4, v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { tokenHash } from '../../hq/auth/tokens';
import { SESSION_IDLE_MS } from '../../hq/http/access';
import { addPurposes, upsertCustomers } from '../../hq/reference';
import type { Role } from '../../shared/contract';
import { PLAYBACK_PATH } from '../../shared/contract/review';
import type { Enrolment, OutboxEntry } from '../../shared/contract/sync';
import { idCheckChar } from '../../shared/domain/id-number';
import { BRANCH, tempDir } from '../support/fixtures';
import { auditEntry, HQ_PASSWORD, OTHER_BRANCH, startHq, type TestHq } from '../support/hq';
import { pushCallback } from '../support/hq-callback';
import { DB_KINDS } from '../support/hq-db';

/** Every route as Fastify registers it (HEAD twins included), whatever file adds it (as the fuzz test does). */
const registered = vi.hoisted(() => [] as RouteOptions[]);
vi.mock('fastify', async (importOriginal) => {
  const real = await importOriginal<typeof import('fastify')>();
  const make = ((opts?: object) => {
    const app = real.default(opts);
    app.addHook('onRoute', (route) => {
      registered.push(route);
    });
    return app;
  }) as typeof real.default;
  return { ...real, default: make };
});

type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
/** `app.all` registers every method: the table names such a route once, as ALL (and sends one method). */
type RouteMethod = Exclude<Method, 'HEAD'> | 'ALL';

const ALL_ROLES = ['agent', 'reviewer', 'supervisor', 'compliance', 'admin'] as const;
const SUPERVISING = ['supervisor', 'reviewer', 'compliance', 'admin'] as const;
const REVIEWING = ['reviewer', 'compliance', 'admin'] as const;
const MANAGING = ['compliance', 'admin'] as const;
const ADMIN = ['admin'] as const;

type BranchKey = 'mine' | 'other';
type Principal =
  | { name: string; kind: 'none' | 'badBearer' | 'badSeat' }
  | { name: string; kind: 'seat'; branchId: string }
  | { name: string; kind: 'user'; code: string; role: Role; branchId: string | null };

/** What an answer must be: a 2xx, or exactly this status. */
type Expect = '2xx' | 401 | 403 | 404;

/**
 * Who a route lets in:
 * - public: anyone (the body carries the credential: login, password change; or nothing: health);
 * - user: a live session of one of `roles`; `scope` branch: a branch user only for their branch's data,
 *   headOffice: head-office users only (a branch's people are refused whatever the data);
 * - seat: a seat's own token; `other` is the answer about another seat's (another branch's) data;
 * - grant: a playback link, which is the credential itself (the media element sends no header) while its
 *   owner's session lives; a request that does carry a session must be the owner's.
 */
type Access =
  | { kind: 'public' }
  /** Anyone, except that an enrolled seat logs in only its own branch's users (the login's user is a branch's). */
  | { kind: 'login' }
  | { kind: 'user'; roles: readonly Role[]; scope: 'branch' | 'none' | 'headOffice' }
  | { kind: 'seat'; other: Expect }
  | { kind: 'grant' };

interface Sent {
  url: string;
  payload?: unknown;
  headers?: Record<string, string>;
  /** The principal's header replaced (logout: a session of its own for each call). */
  authorization?: string | null;
}

interface Cell {
  branchId: string;
  branch: BranchKey;
  p: Principal;
  /** A number no other cell has: names fresh targets. */
  n: number;
}

interface Row {
  method: RouteMethod;
  url: string;
  access: Access;
  /** Run after every other row: what it does ends something (a session, a password, a seat's token, a lock). */
  destructive?: boolean;
  send: (c: Cell) => Promise<Sent> | Sent;
  /** What else a right answer must say (no other branch's rows in a list); null when it holds. */
  check?: (body: unknown, c: Cell) => string | null;
}

const SCRIPT = JSON.parse(
  readFileSync(resolve(import.meta.dirname, '../../assets/scripts/aml.json'), 'utf8'),
);
/** Head office's clock, held: sessions neither expire nor go idle while the matrix runs, unless made to. */
const NOW = Date.parse('2026-11-26T04:00:00.000Z');
const AT = '2026-11-26T02:00:00.000Z';
const REPORT_RANGE = `from=${encodeURIComponent('2026-11-01T00:00:00+08:00')}&to=${encodeURIComponent('2026-12-01T00:00:00+08:00')}`;
/** The user whose playback links the matrix streams (the admin principal). */
const GRANT_OWNER = 'AD01';
/** What the password row changes each fresh user's password to (long, not the code, not the old one). */
const NEW_PASSWORD = 'Neu#Kennwort-2026';

describe.each(DB_KINDS)('the authorization matrix on %s', (kind) => {
  let t: TestHq;
  let tmp: ReturnType<typeof tempDir>;
  const data = {} as Record<
    BranchKey,
    {
      seat: Enrolment;
      resultId: string;
      /** Uploaded (stored), with its playback copy: for playback and download. */
      recordingId: string;
      grantToken: string;
      /** An upload the branch's seat began. */
      uploadId: string;
      findingId: string;
      /** Fresh targets, one per principal: recordings known but not uploaded, and open re-checks. */
      recordings: { id: string; sizeBytes: number }[];
      rechecks: string[];
      results: string[];
      /** A user of the branch whose password the login row types. */
      loginCode: string;
    }
  >;
  const principals: Principal[] = [];
  const headers = new Map<string, string>();
  let form: { id: string; version: number; criteria: { id: string }[] };
  let assigneeId: string;

  const inject = (method: Method, url: string, authorization: string | null, payload?: unknown, more = {}) =>
    t.app.inject({
      method,
      url,
      headers: { ...(authorization ? { authorization } : {}), ...more },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  /** Next sequence number of the seat's outbox. */
  const nextSeq = async (seatId: string) =>
    Number(
      (
        await t.hq.db.db
          .selectFrom('seats')
          .select('last_applied_seq')
          .where('id', '=', seatId)
          .executeTakeFirstOrThrow()
      ).last_applied_seq,
    ) + 1;

  const push = async (seat: Enrolment, entries: OutboxEntry[]) => {
    const res = await inject('POST', '/api/sync/push', `Seat ${seat.token}`, {
      seatId: seat.seatId,
      entries,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect((res.json() as { refused?: unknown[] }).refused ?? []).toEqual([]);
  };

  /**
   * `count` completed callbacks of the branch, each with a recording head office knows of but has not received
   * (the upload, hold and re-check rows' fresh targets), pushed as the seat does.
   */
  const callbacks = async (seat: Enrolment, branchId: string, agentId: string, count: number) => {
    const made: { resultId: string; recording: { id: string; sizeBytes: number } }[] = [];
    const tasks: string[] = [];
    await t.hq.db.db.transaction().execute(async (tx) => {
      for (let i = 0; i < count; i++) {
        const first17 = `${branchId === BRANCH.branchId ? '310104' : '110105'}19850101${String(i).padStart(3, '0')}`;
        const customer = { id: `C-${uuidv4()}`, branchId };
        await upsertCustomers(tx, [
          {
            ...customer,
            name: '测试客户',
            idNumber: `${first17}${idCheckChar(first17)}`,
            phone: `139${String(10_000_000 + i)}`,
            salespersonId: null,
            introducerId: null,
            openedAt: null,
            channel: 'counter',
            margin: false,
          },
        ]);
        const { taskId } = await addPurposes(
          tx,
          customer,
          [
            {
              type: 'aml',
              deadlineAt: '2026-12-01T15:59:59.999Z',
              reason: '名单',
              salespersonId: null,
              sourceKey: `m:${customer.id}`,
            },
          ],
          '2026-11-25T02:00:00.000Z',
        );
        tasks.push(taskId);
      }
    });
    let seq = await nextSeq(seat.seatId);
    const entries: OutboxEntry[] = [];
    for (const taskId of tasks) {
      const attemptId = uuidv7();
      const recording = { id: uuidv7(), sizeBytes: 1000 + entries.length };
      const resultId = uuidv7();
      entries.push(
        {
          seq: seq++,
          kind: 'recording',
          entityId: recording.id,
          createdAt: AT,
          payload: {
            id: recording.id,
            attemptId,
            mimeType: 'audio/webm;codecs=opus',
            sha256: createHash('sha256').update(recording.id).digest('hex'),
            sizeBytes: recording.sizeBytes,
            durationMs: 20_000,
            status: 'finished',
            startedAt: AT,
            finishedAt: AT,
          },
        },
        {
          seq: seq++,
          kind: 'result',
          entityId: resultId,
          createdAt: AT,
          payload: {
            id: resultId,
            taskId,
            attemptId,
            outcome: 'completed',
            disposition: 'connected',
            notes: '',
            retryAt: null,
            supersedesId: null,
            agentId,
            seatId: seat.seatId,
            createdAt: AT,
            answers: [
              {
                stepId: 'identity',
                purposes: ['aml'],
                value: true,
                answeredAt: AT,
                recordingId: recording.id,
                recordingOffsetMs: 1200,
              },
            ],
            purposes: [{ purpose: 'aml', outcome: 'pass', scriptId: 'aml', scriptVersion: 1 }],
            findings: [],
          },
        },
      );
      made.push({ resultId, recording });
    }
    await push(seat, entries);
    return made;
  };

  beforeAll(async () => {
    tmp = tempDir();
    t = await startHq(kind, () => new Date(NOW));
    const users: [code: string, role: Role, branchId: string | null][] = [
      ['AG01', 'agent', BRANCH.branchId],
      ['AG02', 'agent', OTHER_BRANCH.branchId],
      ['SH01', 'supervisor', BRANCH.branchId],
      ['RB01', 'reviewer', BRANCH.branchId],
      ['RV01', 'reviewer', null],
      ['CP01', 'compliance', null],
      // A branch's own compliance officer (users' CHECK lets every role but the agent go without a branch).
      ['CB01', 'compliance', BRANCH.branchId],
      ['AD01', 'admin', null],
      // Sessions made dead three ways (admins: refused for the session, not the role).
      ['EX01', 'admin', null],
      ['ID01', 'admin', null],
      ['LO01', 'admin', null],
      // Whose passwords the login row types.
      ['LGB', 'agent', BRANCH.branchId],
      ['LGO', 'agent', OTHER_BRANCH.branchId],
    ];
    for (const [code, role, branchId] of users) await t.addUser(code, role, branchId);
    const seatB = await t.enrol(BRANCH.branchId, '上海 1 号坐席');
    const seatO = await t.enrol(OTHER_BRANCH.branchId, '北京 1 号坐席');

    principals.push(
      { name: 'anonymous', kind: 'none' },
      { name: 'forged bearer', kind: 'badBearer' },
      { name: 'expired session', kind: 'badBearer' },
      { name: 'idle session', kind: 'badBearer' },
      { name: 'logged-out session', kind: 'badBearer' },
      { name: 'seat token as bearer', kind: 'badBearer' },
      { name: 'seat', kind: 'seat', branchId: BRANCH.branchId },
      { name: 'forged seat', kind: 'badSeat' },
      { name: 'agent of BRANCH', kind: 'user', code: 'AG01', role: 'agent', branchId: BRANCH.branchId },
      {
        name: 'agent of OTHER_BRANCH',
        kind: 'user',
        code: 'AG02',
        role: 'agent',
        branchId: OTHER_BRANCH.branchId,
      },
      { name: 'reviewer of BRANCH', kind: 'user', code: 'RB01', role: 'reviewer', branchId: BRANCH.branchId },
      { name: 'reviewer', kind: 'user', code: 'RV01', role: 'reviewer', branchId: null },
      {
        name: 'supervisor of BRANCH',
        kind: 'user',
        code: 'SH01',
        role: 'supervisor',
        branchId: BRANCH.branchId,
      },
      {
        name: 'supervisor of OTHER_BRANCH',
        kind: 'user',
        code: 'BJ01',
        role: 'supervisor',
        branchId: OTHER_BRANCH.branchId,
      },
      { name: 'compliance', kind: 'user', code: 'CP01', role: 'compliance', branchId: null },
      {
        name: 'compliance of BRANCH',
        kind: 'user',
        code: 'CB01',
        role: 'compliance',
        branchId: BRANCH.branchId,
      },
      { name: 'admin', kind: 'user', code: 'AD01', role: 'admin', branchId: null },
    );
    headers.set('forged bearer', `Bearer ${randomBytes(32).toString('base64url')}`);
    headers.set('seat token as bearer', `Bearer ${seatB.token}`);
    headers.set('seat', `Seat ${seatB.token}`);
    headers.set('forged seat', `Seat ${randomBytes(32).toString('base64url')}`);
    for (const p of principals) if (p.kind === 'user') headers.set(p.name, `Bearer ${await t.login(p.code)}`);
    const expired = await t.login('EX01');
    await t.hq.db.db
      .updateTable('sessions')
      .set({ expires_at: new Date(NOW - 1000).toISOString() })
      .where('token_hash', '=', tokenHash(expired))
      .execute();
    headers.set('expired session', `Bearer ${expired}`);
    const idle = await t.login('ID01');
    await t.hq.db.db
      .updateTable('sessions')
      .set({ last_used_at: new Date(NOW - SESSION_IDLE_MS).toISOString() })
      .where('token_hash', '=', tokenHash(idle))
      .execute();
    headers.set('idle session', `Bearer ${idle}`);
    const out = await t.login('LO01');
    expect((await inject('POST', '/api/logout', `Bearer ${out}`)).statusCode).toBe(200);
    headers.set('logged-out session', `Bearer ${out}`);

    const admin = `Bearer ${t.adminToken}`;
    const owner = headers.get('admin') ?? '';
    const agentId = async (code: string) =>
      (await t.hq.db.db.selectFrom('users').select('id').where('code', '=', code).executeTakeFirstOrThrow())
        .id;
    assigneeId = await agentId('CP01');
    for (const [branch, seat, branchId, idNumber, phone, agent] of [
      ['mine', seatB, BRANCH.branchId, '11010519491231002X', '13812345678', 'AG01'],
      ['other', seatO, OTHER_BRANCH.branchId, '440305199003071236', '15912345670', 'AG02'],
    ] as const) {
      const done = await pushCallback(t, tmp.dir, { branchId, idNumber, phone, seat });
      const fresh = await callbacks(seat, branchId, await agentId(agent), principals.length);
      // The playback link the grant row streams: the admin principal's own.
      const grant = await inject('POST', `/api/recordings/${done.recordingId}/playback`, owner);
      expect(grant.statusCode, grant.body).toBe(200);
      const finding = await inject('POST', `/api/results/${done.resultId}/findings`, admin, {
        textZh: '未完整提示风险',
        severity: 'high',
        about: 'branch',
        offsetMs: 1000,
      });
      expect(finding.statusCode, finding.body).toBe(200);
      const plan = await inject('PUT', `/api/recheck/plans/${branchId}`, admin, {
        share: 1,
        period: 'month',
      });
      expect(plan.statusCode, plan.body).toBe(200);
      const upload = await inject('POST', '/api/uploads', `Seat ${seat.token}`, undefined, {
        'tus-resumable': '1.0.0',
        'upload-length': String(fresh[0]?.recording.sizeBytes),
        'upload-metadata': `recordingId ${Buffer.from(fresh[0]?.recording.id ?? '').toString('base64')}`,
      });
      expect(upload.statusCode, upload.body).toBe(201);
      data[branch] = {
        seat,
        resultId: done.resultId,
        recordingId: done.recordingId,
        grantToken: (grant.json() as { path: string }).path.slice(PLAYBACK_PATH.length),
        uploadId: String(upload.headers.location).split('/').pop() ?? '',
        findingId: (finding.json() as { id: string }).id,
        recordings: fresh.map((f) => f.recording),
        rechecks: [],
        results: fresh.map((f) => f.resultId),
        loginCode: branch === 'mine' ? 'LGB' : 'LGO',
      };
    }
    // Sampling draws only callbacks whose recording is home (one per branch here); the rest of the re-checks
    // the evaluation row scores, one per cell, are written as sampling writes them.
    const sample = await inject('POST', '/api/rechecks/sample', admin, { periodKey: '2026-11' });
    expect(sample.statusCode, sample.body).toBe(200);
    for (const branch of ['mine', 'other'] as const) {
      const branchId = branch === 'mine' ? BRANCH.branchId : OTHER_BRANCH.branchId;
      const rechecks = data[branch].results.map((resultId) => ({
        id: uuidv7(),
        result_id: resultId,
        branch_id: branchId,
        period_key: '2026-11',
        assigned_to: null,
        sampled_at: new Date(NOW).toISOString(),
      }));
      await t.hq.db.db.insertInto('rechecks').values(rechecks).execute();
      data[branch].rechecks = rechecks.map((r) => r.id);
    }
    form = (await inject('GET', '/api/recheck/form', admin)).json() as typeof form;
  }, 180_000);

  afterAll(async () => {
    await t?.close();
    tmp?.cleanup();
  });

  const of = (c: Cell) => data[c.branch];
  const index = (c: Cell) => principals.indexOf(c.p);
  /** Rows of a list that belong to another branch than the one asked about. */
  const onlyBranch =
    (key: string) =>
    (body: unknown, c: Cell): string | null => {
      const items = (body as Record<string, { branchId: string }[]>)[key] ?? [];
      const stray = items.filter((i) => i.branchId !== c.branchId);
      return stray.length ? `${stray.length} rows of another branch` : null;
    };
  /** A branch user's list holds their branch's rows only (head office's: any). */
  const ownBranchOnly = (body: unknown, c: Cell): string | null => {
    if (c.p.kind !== 'user' || c.p.branchId === null) return null;
    const items = (body as { items: { branchId: string }[] }).items;
    return items.some((i) => i.branchId !== (c.p as { branchId: string }).branchId)
      ? 'rows of another branch'
      : null;
  };

  /**
   * The table: every route head office has, who it lets in (read from each route's requireUser, requireBranch
   * and requireSeat: hq/app.ts, hq/http/*.ts), and a request an allowed principal gets through validation with.
   */
  const ROWS: Row[] = [
    { method: 'GET', url: '/api/health', access: { kind: 'public' }, send: () => ({ url: '/api/health' }) },
    {
      method: 'POST',
      url: '/api/login',
      access: { kind: 'login' },
      send: (c) => ({ url: '/api/login', payload: { code: of(c).loginCode, password: HQ_PASSWORD } }),
    },
    {
      method: 'POST',
      url: '/api/seats',
      access: { kind: 'user', roles: ['admin', 'supervisor'], scope: 'branch' },
      send: (c) => ({ url: '/api/seats', payload: { branchId: c.branchId, name: `坐席 ${c.n}` } }),
    },
    {
      method: 'POST',
      url: '/api/sync/push',
      access: { kind: 'seat', other: 403 },
      send: async (c) => {
        const seat = of(c).seat;
        return {
          url: '/api/sync/push',
          payload: { seatId: seat.seatId, entries: [auditEntry(seat.seatId, await nextSeq(seat.seatId))] },
        };
      },
    },
    {
      method: 'GET',
      url: '/api/sync/pull',
      access: { kind: 'seat', other: '2xx' },
      send: () => ({ url: '/api/sync/pull?cursor=0&limit=10' }),
    },
    {
      method: 'GET',
      url: '/api/recordings/:id/stored',
      // Another seat's recording is answered as one head office does not hold (nothing of it is told).
      access: { kind: 'seat', other: '2xx' },
      send: (c) => ({ url: `/api/recordings/${of(c).recordingId}/stored` }),
      check: (body, c) =>
        (body as { stored: boolean }).stored === (c.branch === 'mine')
          ? null
          : `stored: ${String((body as { stored: boolean }).stored)}`,
    },
    {
      method: 'POST',
      url: '/api/feeds/:kind',
      // A feed names any branch's customers: a branch's compliance officer imports none (as sampling).
      access: { kind: 'user', roles: MANAGING, scope: 'headOffice' },
      send: () => ({ url: '/api/feeds/notices', payload: { rows: [] } }),
    },
    {
      method: 'POST',
      url: '/api/customers/contact',
      // Contact wishes of any branch's customers: head office's alone, as the feeds.
      access: { kind: 'user', roles: MANAGING, scope: 'headOffice' },
      send: () => ({ url: '/api/customers/contact', payload: { rows: [] } }),
    },
    {
      method: 'GET',
      url: '/api/results',
      access: { kind: 'user', roles: SUPERVISING, scope: 'branch' },
      send: (c) => ({ url: `/api/results?branchId=${c.branchId}` }),
      check: onlyBranch('items'),
    },
    {
      method: 'GET',
      url: '/api/results/:id',
      access: { kind: 'user', roles: SUPERVISING, scope: 'branch' },
      send: (c) => ({ url: `/api/results/${of(c).resultId}` }),
    },
    {
      method: 'GET',
      url: '/api/training',
      access: { kind: 'user', roles: SUPERVISING, scope: 'branch' },
      send: (c) => ({ url: `/api/training?branchId=${c.branchId}` }),
      check: onlyBranch('items'),
    },
    {
      method: 'POST',
      url: '/api/recordings/:id/hold',
      access: { kind: 'user', roles: MANAGING, scope: 'branch' },
      send: (c) => ({
        url: `/api/recordings/${of(c).recordings[index(c)]?.id}/hold`,
        payload: { action: 'place', reason: '监管调查' },
      }),
    },
    {
      method: 'POST',
      url: '/api/recordings/:id/playback',
      access: { kind: 'user', roles: SUPERVISING, scope: 'branch' },
      send: (c) => ({ url: `/api/recordings/${of(c).recordingId}/playback` }),
    },
    {
      method: 'GET',
      url: `${PLAYBACK_PATH}:token`,
      access: { kind: 'grant' },
      send: (c) => ({ url: `${PLAYBACK_PATH}${of(c).grantToken}` }),
    },
    {
      method: 'GET',
      url: '/api/recordings/:id/original',
      access: { kind: 'user', roles: SUPERVISING, scope: 'branch' },
      send: (c) => ({ url: `/api/recordings/${of(c).recordingId}/original` }),
    },
    {
      method: 'GET',
      url: '/api/recheck/plans',
      access: { kind: 'user', roles: SUPERVISING, scope: 'none' },
      send: () => ({ url: '/api/recheck/plans' }),
      check: ownBranchOnly,
    },
    {
      method: 'PUT',
      url: '/api/recheck/plans/:branchId',
      access: { kind: 'user', roles: MANAGING, scope: 'branch' },
      send: (c) => ({ url: `/api/recheck/plans/${c.branchId}`, payload: { share: 1, period: 'month' } }),
    },
    {
      method: 'POST',
      url: '/api/rechecks/sample',
      access: { kind: 'user', roles: MANAGING, scope: 'headOffice' },
      send: () => ({ url: '/api/rechecks/sample', payload: { periodKey: '2026-11' } }),
    },
    {
      method: 'GET',
      url: '/api/recheck/form',
      access: { kind: 'user', roles: SUPERVISING, scope: 'none' },
      send: () => ({ url: '/api/recheck/form' }),
    },
    {
      method: 'GET',
      url: '/api/rechecks',
      access: { kind: 'user', roles: SUPERVISING, scope: 'branch' },
      send: (c) => ({ url: `/api/rechecks?branchId=${c.branchId}` }),
      check: onlyBranch('items'),
    },
    {
      method: 'POST',
      url: '/api/rechecks/:id/evaluation',
      access: { kind: 'user', roles: REVIEWING, scope: 'branch' },
      send: (c) => ({
        url: `/api/rechecks/${of(c).rechecks[index(c)]}/evaluation`,
        payload: {
          formId: form.id,
          formVersion: form.version,
          items: form.criteria.map((k) => ({ criterionId: k.id, passed: true })),
        },
      }),
    },
    {
      method: 'GET',
      url: '/api/findings',
      access: { kind: 'user', roles: SUPERVISING, scope: 'branch' },
      send: (c) => ({ url: `/api/findings?branchId=${c.branchId}` }),
      check: onlyBranch('items'),
    },
    {
      method: 'POST',
      url: '/api/results/:id/findings',
      access: { kind: 'user', roles: SUPERVISING, scope: 'branch' },
      send: (c) => ({
        url: `/api/results/${of(c).resultId}/findings`,
        payload: { textZh: '未完整提示风险', severity: 'low', about: 'salesperson', offsetMs: null },
      }),
    },
    {
      method: 'POST',
      url: '/api/findings/:id/actions',
      // Not reviewers: a finding is acted on by the branch's supervisor, compliance and administrators.
      access: { kind: 'user', roles: ['supervisor', 'compliance', 'admin'], scope: 'branch' },
      send: (c) => ({
        url: `/api/findings/${of(c).findingId}/actions`,
        payload: { action: 'assign', assigneeId, note: '请核实' },
      }),
    },
    {
      method: 'GET',
      url: '/api/staff',
      access: { kind: 'user', roles: SUPERVISING, scope: 'none' },
      send: () => ({ url: '/api/staff' }),
    },
    {
      method: 'GET',
      url: '/api/watch',
      access: { kind: 'user', roles: SUPERVISING, scope: 'branch' },
      send: (c) => ({ url: `/api/watch?branchId=${c.branchId}` }),
      check: onlyBranch('branches'),
    },
    {
      method: 'GET',
      url: '/api/reports',
      access: { kind: 'user', roles: SUPERVISING, scope: 'branch' },
      send: (c) => ({ url: `/api/reports?${REPORT_RANGE}&branchId=${c.branchId}` }),
      check: onlyBranch('coverage'),
    },
    {
      method: 'GET',
      url: '/api/reports/export',
      access: { kind: 'user', roles: SUPERVISING, scope: 'branch' },
      send: (c) => ({ url: `/api/reports/export?${REPORT_RANGE}&branchId=${c.branchId}&format=csv` }),
    },
    {
      method: 'POST',
      url: '/api/scripts',
      access: { kind: 'user', roles: ADMIN, scope: 'none' },
      send: () => ({ url: '/api/scripts', payload: { script: SCRIPT } }),
    },
    {
      method: 'PUT',
      url: '/api/branches/:branchId/settings/:key',
      access: { kind: 'user', roles: ['admin', 'supervisor'], scope: 'branch' },
      send: (c) => ({ url: `/api/branches/${c.branchId}/settings/retry.maxAttempts`, payload: { value: 3 } }),
    },
    {
      method: 'GET',
      url: '/api/login-locks',
      access: { kind: 'user', roles: ['admin', 'supervisor'], scope: 'none' },
      send: () => ({ url: '/api/login-locks' }),
    },
    {
      method: 'ALL',
      url: '/api/uploads',
      // Creating an upload for another seat's recording: head office knows of no such recording of this seat.
      access: { kind: 'seat', other: 404 },
      send: (c) => {
        const rec = of(c).recordings[index(c)] ?? { id: '', sizeBytes: 0 };
        return {
          url: '/api/uploads',
          headers: {
            'tus-resumable': '1.0.0',
            'upload-length': String(rec.sizeBytes),
            'upload-metadata': `recordingId ${Buffer.from(rec.id).toString('base64')}`,
          },
        };
      },
    },
    {
      method: 'ALL',
      url: '/api/uploads/*',
      access: { kind: 'seat', other: 403 },
      send: (c) => ({ url: `/api/uploads/${of(c).uploadId}`, headers: { 'tus-resumable': '1.0.0' } }),
    },
    // What ends something, each on a target of its own, run last.
    {
      method: 'POST',
      url: '/api/logout',
      access: { kind: 'user', roles: ALL_ROLES, scope: 'none' },
      destructive: true,
      send: async (c) => ({
        url: '/api/logout',
        ...(c.p.kind === 'user' ? { authorization: `Bearer ${await t.login(c.p.code)}` } : {}),
      }),
    },
    {
      method: 'POST',
      url: '/api/password',
      access: { kind: 'public' },
      destructive: true,
      send: async (c) => {
        const code = `PW${c.n}`;
        await t.addUser(code, 'agent', c.branchId);
        return { url: '/api/password', payload: { code, password: HQ_PASSWORD, newPassword: NEW_PASSWORD } };
      },
    },
    {
      method: 'POST',
      url: '/api/seats/:id/revoke',
      access: { kind: 'user', roles: ADMIN, scope: 'branch' },
      destructive: true,
      send: async (c) => ({
        url: `/api/seats/${(await t.enrol(c.branchId, `吊销 ${c.n}`)).seatId}/revoke`,
        payload: { reason: '坐席电脑报废' },
      }),
    },
    {
      method: 'POST',
      url: '/api/seats/:id/rotate',
      access: { kind: 'user', roles: ADMIN, scope: 'branch' },
      destructive: true,
      send: async (c) => ({ url: `/api/seats/${(await t.enrol(c.branchId, `轮换 ${c.n}`)).seatId}/rotate` }),
    },
    {
      method: 'POST',
      url: '/api/login-locks/lift',
      access: { kind: 'user', roles: ADMIN, scope: 'none' },
      destructive: true,
      send: async (c) => {
        const key = `code:LK${c.n}`;
        const at = new Date(NOW - 60_000).toISOString();
        await t.hq.db.db
          .insertInto('login_throttle')
          .values({
            key,
            failures: 10,
            first_failure_at: at,
            last_failure_at: at,
            blocked_until: null,
            locked_at: at,
          })
          .execute();
        return { url: '/api/login-locks/lift', payload: { key } };
      },
    },
  ];

  /** The answer the table says a principal gets at a route about a branch's data. */
  function expected(row: Row, p: Principal, branchId: string): Expect {
    const a = row.access;
    switch (a.kind) {
      case 'public':
        return '2xx';
      case 'login':
        return p.kind === 'seat' && p.branchId !== branchId ? 403 : '2xx';
      case 'seat':
        if (p.kind !== 'seat') return 401;
        return p.branchId === branchId ? '2xx' : a.other;
      case 'grant':
        if (p.kind === 'badBearer') return 401;
        if (p.kind !== 'user') return '2xx';
        if (!(SUPERVISING as readonly Role[]).includes(p.role)) return 403;
        return p.code === GRANT_OWNER ? '2xx' : 403;
      case 'user':
        if (p.kind !== 'user') return 401;
        if (!a.roles.includes(p.role)) return 403;
        if (a.scope === 'headOffice' && p.branchId !== null) return 403;
        if (a.scope === 'branch' && p.branchId !== null && p.branchId !== branchId) return 403;
        return '2xx';
    }
  }

  /** The method a row's cells are sent with: a GET row's HEAD twin too; an ALL row by what tus begins with. */
  const methodsOf = (row: Row): Method[] =>
    row.method === 'GET'
      ? ['GET', 'HEAD']
      : row.method === 'ALL'
        ? [row.url.endsWith('*') ? 'HEAD' : 'POST']
        : [row.method];

  it('has a row for every route head office registers, and none for a route it does not', () => {
    const methods = (r: RouteOptions) => [r.method].flat();
    const fastify = new Set(
      registered.flatMap((r) =>
        methods(r).length > 2 ? [`ALL ${r.url}`] : methods(r).map((m) => `${m} ${r.url}`),
      ),
    );
    const table = new Set(
      ROWS.flatMap((r) =>
        r.method === 'GET' ? [`GET ${r.url}`, `HEAD ${r.url}`] : [`${r.method} ${r.url}`],
      ),
    );
    expect([...fastify].sort()).toEqual([...table].sort());
  });

  it('answers every route × principal × branch as the table says', async () => {
    const started = Date.now();
    const wrong: string[] = [];
    let cells = 0;
    const ordered = [...ROWS.filter((r) => !r.destructive), ...ROWS.filter((r) => r.destructive)];
    for (const row of ordered) {
      for (const method of methodsOf(row)) {
        for (const p of principals) {
          for (const branch of ['mine', 'other'] as const) {
            const cell: Cell = {
              branch,
              branchId: branch === 'mine' ? BRANCH.branchId : OTHER_BRANCH.branchId,
              p,
              n: cells++,
            };
            const sent = await row.send(cell);
            const authorization =
              sent.authorization !== undefined ? sent.authorization : (headers.get(p.name) ?? null);
            const res = await inject(method, sent.url, authorization, sent.payload, sent.headers);
            const want = expected(row, p, cell.branchId);
            const ok =
              want === '2xx' ? res.statusCode >= 200 && res.statusCode < 300 : res.statusCode === want;
            const problem = !ok
              ? `HTTP ${res.statusCode}, expected ${want}`
              : want === '2xx' && row.check && method !== 'HEAD'
                ? row.check(res.json(), cell)
                : null;
            if (problem) {
              wrong.push(
                `${method} ${row.url} · ${p.name} · ${branch === 'mine' ? 'BRANCH' : 'OTHER_BRANCH'}: ${problem} ${res.body.slice(0, 200)}`,
              );
            }
          }
        }
      }
    }
    process.stdout.write(
      `hq authz matrix (${kind}): ${ROWS.length} routes × ${principals.length} principals × 2 branches = ${cells} requests, ${wrong.length} wrong, in ${Date.now() - started} ms\n`,
    );
    expect(wrong).toEqual([]);
  }, 240_000);
});
