/**
 * How head office answers the database gone under a request (issue 13, finding 6; found again by the fault
 * suite's PostgreSQL-stop loop): 503 in Chinese, never a 500 — also for pg's errors that carry no code, such
 * as the one a transaction's ROLLBACK throws on the dead connection in place of the first error.
 */
import { describe, expect, it } from 'vitest';
import { errorReply } from '../../hq/http/errors';

describe('errorReply for a lost database', () => {
  it.each([
    ['Client has encountered a connection error and is not queryable'],
    ['Client was closed and is not queryable'],
    ['Connection terminated unexpectedly'],
    ['Connection terminated'],
  ])('answers 503 for pg’s “%s”', (message) => {
    expect(errorReply(new Error(message))).toEqual({
      status: 503,
      body: { code: 'UNAVAILABLE', message: '总部数据库暂时不可用，请稍后重试' },
      fault: false,
    });
  });

  it('answers 503 for a connection exception or an administrator’s shutdown, by SQLSTATE', () => {
    for (const code of ['08006', '57P01', 'ECONNRESET']) {
      expect(errorReply(Object.assign(new Error('x'), { code })).status).toBe(503);
    }
  });

  it('keeps 500, logged as head office’s own fault, for anything else', () => {
    expect(errorReply(new Error('something else broke'))).toMatchObject({ status: 500, fault: true });
  });
});
