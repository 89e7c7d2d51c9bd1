/**
 * A client's mistake is a 4xx with a Chinese message, never a 500: bodies Fastify cannot read, keys that
 * would reach a prototype, a bad search cursor or date, and database errors a request's content causes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorReply } from '../../hq/http/errors';
import { startHq, type TestHq } from '../support/hq';
import { DB_KINDS } from '../support/hq-db';

describe.each(DB_KINDS)('head office answers a client’s mistakes with 4xx, on %s', (kind) => {
  let t: TestHq;
  let token: string;
  beforeAll(async () => {
    t = await startHq(kind);
    token = await t.login('HQ01');
  }, 60_000);
  afterAll(() => t?.close());

  const post = (payload: string, contentType = 'application/json') =>
    t.app.inject({ method: 'POST', url: '/api/login', headers: { 'content-type': contentType }, payload });

  it('refuses bodies it cannot read, each with its reason', async () => {
    const cases: [string, string, number, RegExp][] = [
      ['{"code": "HQ01", ', 'application/json', 400, /^请求内容不是有效的 JSON$/],
      ['', 'application/json', 400, /^请求内容为空/],
      ['code=HQ01&password=x', 'application/x-www-form-urlencoded', 415, /^不支持的内容类型/],
      // A key that would reach the prototype is refused as JSON head office does not read.
      [
        '{"__proto__": {"admin": true}, "code": "HQ01", "password": "x"}',
        'application/json',
        400,
        /^请求内容不是有效的 JSON$/,
      ],
      ['{"code": "HQ01", "password": 1}', 'application/json', 400, /^请求内容无效/],
    ];
    for (const [payload, type, status, message] of cases) {
      const res = await post(payload, type);
      expect([res.statusCode, res.json().code], payload).toEqual([status, 'BAD_REQUEST']);
      expect(res.json().message, payload).toMatch(message);
    }
    const huge = await post(`{"code": "${'x'.repeat(33 * 1024 * 1024)}"}`);
    expect([huge.statusCode, huge.json().message]).toEqual([413, '请求内容过大']);
  });

  it('refuses a bad search cursor and dates out of bounds before the database sees them', async () => {
    for (const query of [
      'before=x|y',
      'from=0000-12-31T00:00:00Z',
      'to=9999-12-31T00:00:00Z',
      'from=275757-01-01T00:00:00Z',
    ]) {
      const res = await t.app.inject({
        method: 'GET',
        url: `/api/results?${query}`,
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.statusCode, `${query}: ${res.body}`).toBe(400);
      expect(res.json().message).toMatch(/^请求内容无效/);
    }
  });
});

describe('database errors, as head office answers them', () => {
  it('caused by content: 422 (a unique key: 409); the database gone: 503; anything else: 500, a fault', () => {
    expect(errorReply(Object.assign(new Error('value too long'), { code: '22001' }))).toMatchObject({
      status: 422,
      fault: false,
    });
    expect(errorReply(Object.assign(new Error('duplicate key'), { code: '23505' }))).toMatchObject({
      status: 409,
      body: { code: 'CONFLICT' },
    });
    for (const code of ['57P01', '08006', 'ECONNRESET']) {
      expect(errorReply(Object.assign(new Error('gone'), { code }))).toMatchObject({
        status: 503,
        body: { code: 'UNAVAILABLE', message: '总部数据库暂时不可用，请稍后重试' },
        fault: false,
      });
    }
    expect(errorReply(new Error('Connection terminated unexpectedly')).status).toBe(503);
    expect(errorReply(new TypeError('x is undefined'))).toMatchObject({ status: 500, fault: true });
  });
});
