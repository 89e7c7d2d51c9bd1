/**
 * Every route head office registers, fuzzed: methods, paths with hostile params, query strings, bodies shaped
 * by the route's zod schema with parts swapped for wrong types, huge numbers, odd dates, NUL and control
 * characters, `__proto__` keys, long strings, arrays for objects; malformed, empty, form and wrongly typed
 * bodies; with no credentials and with each kind (administrator, supervisors, reviewer, compliance, agent,
 * seat). A client's mistake is a 4xx with a Chinese message; nothing is a 5xx; nothing rejects unhandled.
 */
import { writeFileSync } from 'node:fs';
import fc from 'fast-check';
import type { RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { z } from 'zod';
import { PLAYBACK_PATH } from '../../shared/contract/review';
import { BRANCH, tempDir } from '../support/fixtures';
import { OTHER_BRANCH, startHq, type TestHq } from '../support/hq';
import { pushCallback } from '../support/hq-callback';
import {
  argsFor,
  brief,
  CJK,
  FUZZ_SEED,
  fromSchema,
  hostileString,
  hostileValue,
  type Pools,
  runs,
} from './arbitraries';

/** Every route as Fastify registers it (HEAD twins included), whatever file adds it. */
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

/** URL-encoded as a client does (a lone surrogate, which no UTF-8 can carry, as U+FFFD). */
const enc = (s: string) =>
  encodeURIComponent(
    s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'),
  );

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
type Method = (typeof METHODS)[number];

interface Sent {
  method: Method;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
}

/** Inputs per route; about 30 routes, so a few thousand in all. */
const PER_ROUTE = runs(130);

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

describe('every head-office route, fuzzed', () => {
  let t: TestHq;
  let tmp: ReturnType<typeof tempDir>;
  let pools: Pools;
  const auth: string[] = [];

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    tmp = tempDir();
    t = await startHq('pglite');
    await t.addUser('SH01', 'supervisor', BRANCH.branchId, '上海主管');
    await t.addUser('RV01', 'reviewer', null, '总部复核员');
    await t.addUser('CP01', 'compliance', null, '合规专员');
    await t.addUser('A100', 'agent', BRANCH.branchId, '坐席员');
    const seat = await t.enrol(BRANCH.branchId);
    const done = await pushCallback(t, tmp.dir, {
      branchId: BRANCH.branchId,
      idNumber: '11010519491231002X',
      phone: '13812345678',
      seat,
    });
    const admin = { authorization: `Bearer ${t.adminToken}` };
    // A re-check and a finding to act on, and a playback grant to stream with hostile ranges.
    await t.app.inject({
      method: 'PUT',
      url: `/api/recheck/plans/${BRANCH.branchId}`,
      headers: admin,
      payload: { share: 1, period: 'month' },
    });
    await t.app.inject({
      method: 'POST',
      url: '/api/rechecks/sample',
      headers: admin,
      payload: { periodKey: '2026-11' },
    });
    const recheck = await t.hq.db.db.selectFrom('rechecks').select('id').executeTakeFirst();
    const finding = await t.app.inject({
      method: 'POST',
      url: `/api/results/${done.resultId}/findings`,
      headers: admin,
      payload: { textZh: '未完整提示风险', severity: 'high', about: 'salesperson', offsetMs: 1000 },
    });
    const grant = await t.app.inject({
      method: 'POST',
      url: `/api/recordings/${done.recordingId}/playback`,
      headers: admin,
    });
    expect(grant.statusCode, grant.body).toBe(200);
    const playbackToken = (grant.json() as { path: string }).path.slice(PLAYBACK_PATH.length);
    const users = await t.hq.db.db.selectFrom('users').select('id').execute();
    for (const code of ['HQ01', 'SH01', 'BJ01', 'RV01', 'CP01', 'A100']) {
      auth.push(`Bearer ${await t.login(code)}`);
    }
    auth.push(`Seat ${seat.token}`);
    pools = {
      ids: [
        done.resultId,
        done.recordingId,
        seat.seatId,
        recheck?.id ?? done.resultId,
        (finding.json() as { id?: string }).id ?? done.resultId,
        ...users.map((u) => u.id),
      ],
      strings: [
        BRANCH.branchId,
        OTHER_BRANCH.branchId,
        'HQ01',
        'A100',
        'csv',
        'xlsx',
        'coverage',
        'calling.window',
        '2026-11',
        '2026-Q4',
        playbackToken,
        '未完整提示风险，请复核',
      ],
      urls: ['http://127.0.0.1:1/'],
    };
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    tmp?.cleanup();
    process.off('unhandledRejection', onUnhandled);
  });

  /** The routes with what their schema says of params, query and body. */
  const routes = () => {
    const seen = new Map<string, RouteOptions>();
    for (const r of registered) {
      for (const m of [r.method].flat()) seen.set(`${m} ${r.url}`, { ...r, method: m });
    }
    return [...seen.values()];
  };

  const authArb = () =>
    fc.oneof(
      { arbitrary: fc.constantFrom(...auth), weight: 8 },
      { arbitrary: fc.constant(''), weight: 2 },
      {
        arbitrary: fc.constantFrom(
          'Bearer',
          'Bearer ',
          'Bearer x y',
          'Seat ',
          'Seat AAAA',
          'Basic SFEwMTpab25nYnUjMjAyNg==',
          `Bearer ${'A'.repeat(4000)}`,
          'bearer lowercase',
          'Seat\tx',
        ),
        weight: 1,
      },
    );

  /** A param's value, URL-encoded as a client would, or a raw segment no client should send. */
  const segment = (schema: z.ZodType | undefined) =>
    fc.oneof(
      {
        arbitrary: (schema ? argsFor(schema, pools) : hostileString).map((v) =>
          enc(typeof v === 'string' ? v : (JSON.stringify(v) ?? 'undefined')),
        ),
        weight: 6,
      },
      { arbitrary: hostileString.map(enc), weight: 2 },
      { arbitrary: fc.constantFrom('%', '%00', '..', '%2e%2e', 'a%2Fb', '%E4%B8', '%zz', ''), weight: 1 },
    );

  const queryValue = (v: unknown): string[] =>
    v === undefined
      ? []
      : Array.isArray(v)
        ? v.flatMap(queryValue)
        : [typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v))];

  const queryArb = (schema: z.ZodType | undefined) =>
    fc.oneof(
      {
        arbitrary: (schema ? argsFor(schema, pools) : fc.constant({})).map((q) => {
          if (q === null || typeof q !== 'object' || Array.isArray(q)) return `q=${enc(String(q))}`;
          return Object.entries(q)
            .flatMap(([k, v]) => queryValue(v).map((x) => `${enc(k)}=${enc(x)}`))
            .join('&');
        }),
        weight: 8,
      },
      {
        arbitrary: fc.constantFrom(
          '__proto__[admin]=1',
          'constructor[prototype][x]=1',
          '&&&=&=',
          'from=%E4%B8&to=%',
          'limit=1e400',
          'limit=-0',
          'limit=0x10',
          'limit=2147483648',
          'a'.repeat(5000),
        ),
        weight: 1,
      },
    );

  const RAW_BODIES = [
    '',
    '{',
    '{"a":',
    '[',
    'null',
    '[]',
    '"text"',
    '1e999',
    '{"value":1e999}',
    '-',
    '\uFEFF{}',
    '{"__proto__":{"admin":true}}',
    '{"constructor":{"prototype":{"admin":true}}}',
    `${'['.repeat(5000)}${']'.repeat(5000)}`,
    '{"a":"\\ud800"}',
    '{"a":"\u0000"}',
    '{"a":1}{"b":2}',
  ];

  const bodyArb = (schema: z.ZodType | undefined): fc.Arbitrary<Pick<Sent, 'payload' | 'headers'>> => {
    const value = schema ? argsFor(schema, pools) : hostileValue();
    const json = 'application/json';
    return fc.oneof(
      {
        arbitrary: value.map((v) => ({
          payload: JSON.stringify(v) ?? '',
          headers: { 'content-type': json },
        })),
        weight: 8,
      },
      {
        arbitrary: fc
          .constantFrom(...RAW_BODIES)
          .map((p) => ({ payload: p, headers: { 'content-type': json } })),
        weight: 2,
      },
      {
        arbitrary: fc
          .tuple(
            value,
            fc.constantFrom(
              'application/x-www-form-urlencoded',
              'text/plain',
              'multipart/form-data; boundary=x',
              'application/xml',
              'application/offset+octet-stream',
              'application/json; charset=latin1',
              'APPLICATION/JSON',
              'application/json, text/plain',
              'application/vnd.api+json',
            ),
          )
          .map(([v, type]) => ({
            payload:
              type.startsWith('application/x-www') && v && typeof v === 'object'
                ? new URLSearchParams(
                    Object.entries(v).map(([k, x]): [string, string] => [k, String(x)]),
                  ).toString()
                : (JSON.stringify(v) ?? ''),
            headers: { 'content-type': type },
          })),
        weight: 1,
      },
      {
        arbitrary: fc
          .uint8Array({ maxLength: 64 })
          .map((b) => ({ payload: Buffer.from(b), headers: { 'content-type': json } })),
        weight: 1,
      },
      { arbitrary: fc.constant({ headers: {} }), weight: 1 },
    );
  };

  /** Headers some routes read: ranges for playback, tus's own for uploads. */
  const extraHeaders = fc.record(
    {
      range: fc.constantFrom(
        'bytes=0-',
        'bytes=-1',
        'bytes=99999999-',
        'bytes=5-1',
        'bytes=abc',
        'bytes=0-0,2-3',
        'items=0-1',
        'bytes=-0',
      ),
      'if-range': fc.constantFrom('"x"', 'Thu, 01 Jan 1970 00:00:00 GMT'),
      'tus-resumable': fc.constantFrom('1.0.0', '0.2.2', ''),
      'upload-length': fc.constantFrom('0', '-1', '10', '2147483648', 'abc', '1e3'),
      'upload-offset': fc.constantFrom('0', '-1', '5', 'x'),
      'upload-metadata': fc.constantFrom(
        `recordingId ${Buffer.from('x').toString('base64')}`,
        'recordingId',
        'a b,a c',
        '__proto__ eA==',
        ',,,',
      ),
      'x-forwarded-for': fc.constantFrom('1.2.3.4', 'not-an-ip'),
    },
    { requiredKeys: [] },
  );

  const requestArb = (route: RouteOptions): fc.Arbitrary<Sent> => {
    const schema = (route.schema ?? {}) as { params?: z.ZodType; querystring?: z.ZodType; body?: z.ZodType };
    const shape =
      (schema.params as unknown as { shape?: Record<string, z.ZodType> } | undefined)?.shape ?? {};
    const parts = route.url
      .split('/')
      .map((p) =>
        p.startsWith(':')
          ? segment(shape[p.slice(1)])
          : p === '*'
            ? fc.array(segment(undefined), { minLength: 0, maxLength: 3 }).map((s) => s.join('/'))
            : fc.constant(p),
      );
    return fc
      .record({
        method: fc.oneof(
          { arbitrary: fc.constant(route.method as Method), weight: 9 },
          { arbitrary: fc.constantFrom(...METHODS), weight: 1 },
        ),
        path: fc.tuple(...parts).map((p) => p.join('/')),
        query: fc.option(queryArb(schema.querystring), { freq: 3 }),
        authorization: authArb(),
        body: bodyArb(schema.body),
        extra: fc.option(extraHeaders, { freq: 2 }),
      })
      .map(({ method, path, query, authorization, body, extra }) => ({
        method,
        url: query ? `${path}?${query}` : path,
        headers: { ...(extra ?? {}), ...(authorization ? { authorization } : {}), ...body.headers },
        ...(body.payload !== undefined && method !== 'GET' && method !== 'HEAD'
          ? { payload: body.payload }
          : {}),
      }));
  };

  /**
   * A request a right client makes: the route's method, params, query and JSON body valid-shaped (no part
   * hostile), with a real credential; these get past validation and reach what the route does with them.
   */
  const cleanArb = (route: RouteOptions): fc.Arbitrary<Sent> => {
    const schema = (route.schema ?? {}) as { params?: z.ZodType; querystring?: z.ZodType; body?: z.ZodType };
    const shape =
      (schema.params as unknown as { shape?: Record<string, z.ZodType> } | undefined)?.shape ?? {};
    const valid = (s: z.ZodType) => fromSchema(s, pools, { mutate: 0 });
    const parts = route.url
      .split('/')
      .map((p) =>
        p.startsWith(':')
          ? (shape[p.slice(1)] ? valid(shape[p.slice(1)] as z.ZodType) : hostileString).map((v) =>
              enc(String(v)),
            )
          : p === '*'
            ? fc.uuid().map(enc)
            : fc.constant(p),
      );
    return fc
      .record({
        path: fc.tuple(...parts).map((p) => p.join('/')),
        query: schema.querystring ? valid(schema.querystring) : fc.constant({}),
        authorization: fc.constantFrom(...auth),
        body: schema.body ? valid(schema.body) : fc.constant(undefined),
      })
      .map(({ path, query, authorization, body }) => {
        const q = Object.entries(query as object)
          .flatMap(([k, v]) => queryValue(v).map((x) => `${enc(k)}=${enc(x)}`))
          .join('&');
        const method = route.method as Method;
        return {
          method,
          url: q ? `${path}?${q}` : path,
          headers: { authorization, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
          ...(body !== undefined && method !== 'GET' && method !== 'HEAD'
            ? { payload: JSON.stringify(body) }
            : {}),
        };
      });
  };

  /** What is wrong with an answer, or null. */
  const judge = (sent: Sent, status: number, type: string, body: string): string | null => {
    if (status >= 500) return `HTTP ${status}`;
    if (status < 400 || sent.method === 'HEAD') return null;
    let message = body;
    if (type.includes('json')) {
      try {
        message = String((JSON.parse(body) as { message?: unknown }).message ?? '');
      } catch {
        return `HTTP ${status}: a JSON body that does not parse`;
      }
    }
    return CJK.test(message) ? null : `HTTP ${status} without a Chinese message`;
  };

  it('registers the routes it is known to (found by onRoute, each one answerable)', () => {
    const all = routes();
    expect(all.length).toBeGreaterThan(25);
    for (const r of all) {
      expect(t.app.hasRoute({ method: r.method as Method, url: r.url }), `${r.method} ${r.url}`).toBe(true);
    }
  });

  it('answers every route with no 5xx, every 4xx in Chinese, nothing unhandled', async () => {
    const failures = new Map<string, { count: number; examples: string[] }>();
    const all = routes();
    let sentCount = 0;
    /** What the requests got, per route and status: `FUZZ_STATS=1` prints it (to see how deep they reach). */
    const stats = new Map<string, number>();
    const started = Date.now();
    for (const [i, route] of all.entries()) {
      // Building the generator is where a route with a schema the fuzz does not know fails.
      const arb = fc.oneof(
        { arbitrary: cleanArb(route), weight: 1 },
        { arbitrary: requestArb(route), weight: 2 },
      );
      const seed = FUZZ_SEED + i;
      await fc.assert(
        fc.asyncProperty(arb, async (sent) => {
          sentCount++;
          let problem: string | null;
          let body = '';
          try {
            const res = await t.app.inject(sent);
            body = res.body;
            const k = `${route.method} ${route.url} ${res.statusCode}`;
            stats.set(k, (stats.get(k) ?? 0) + 1);
            problem = judge(sent, res.statusCode, String(res.headers['content-type'] ?? ''), res.body);
          } catch (error) {
            problem = `inject threw: ${String(error)}`;
          }
          if (!problem) return;
          const key = `${route.method} ${route.url}: ${problem}`;
          const f = failures.get(key) ?? { count: 0, examples: [] };
          f.count++;
          if (f.examples.length < 3) {
            f.examples.push(
              `seed ${seed}: ${sent.method} ${sent.url.slice(0, 300)} ${brief(sent.headers)} ${brief(typeof sent.payload === 'string' ? sent.payload : sent.payload?.toString('hex'))} → ${body.slice(0, 300)}`,
            );
          }
          failures.set(key, f);
        }),
        { seed, numRuns: PER_ROUTE, endOnFailure: true },
      );
    }
    // Let what a request left running (a playback copy, an audit) settle before looking for rejections.
    await new Promise((r) => setTimeout(r, 200));
    const report = [...failures].map(([k, f]) => `${k} (×${f.count})\n    ${f.examples.join('\n    ')}`);
    process.stdout.write(
      `hq fuzz: ${sentCount} requests over ${all.length} routes in ${Date.now() - started} ms (seed ${FUZZ_SEED})`,
    );
    if (process.env.FUZZ_STATS)
      process.stdout.write(`${[...stats].map(([k, n]) => `${k}: ${n}`).join('\n')}\n`);
    if (process.env.FUZZ_REPORT) writeFileSync(process.env.FUZZ_REPORT, report.join('\n'));
    expect(report, `fuzz seed ${FUZZ_SEED}`).toEqual([]);
    expect(sentCount).toBeGreaterThanOrEqual(all.length * PER_ROUTE);
    expect(unhandled.map(String)).toEqual([]);
  }, 300_000);
});
