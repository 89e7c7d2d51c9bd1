import { describe, expect, it } from 'vitest';
import { METHODS } from '../../../shared/contract';

const ID = '0196f1c2-0000-7000-8000-000000000001';
const message = (r: { success: boolean; error?: { issues: { message: string }[] } }) =>
  r.success ? null : (r.error?.issues[0]?.message ?? '');

describe('what an agent types, at the seat’s edge', () => {
  const commit = (notes: string) =>
    METHODS['result.commit'].args.safeParse({
      id: ID,
      taskId: ID,
      attemptId: null,
      outcome: 'completed',
      disposition: 'connected',
      notes,
      retryAt: null,
      supersedesId: null,
    });
  const answer = (value: unknown, offsetMs = 1000) =>
    METHODS['script.answer'].args.safeParse({ taskId: ID, stepId: 's', value, recordingId: ID, offsetMs });

  it('refuses NUL and other control characters in notes and answers, with a message a person can act on', () => {
    for (const bad of ['客户\u0000确认', '\u0007', 'a\u001bb', 'x\u007f']) {
      expect(message(commit(bad))).toBe('内容含有不可见的控制字符，请删除后重试');
      expect(answer(bad).success).toBe(false);
      expect(answer([bad]).success).toBe(false);
      expect(METHODS['script.notes'].args.safeParse({ taskId: ID, notes: bad }).success).toBe(false);
    }
  });

  it('takes line breaks and tabs, and Chinese text up to its bound', () => {
    expect(commit('第一行\r\n第二行\t完').success).toBe(true);
    expect(commit('回'.repeat(2000)).success).toBe(true);
    expect(commit('回'.repeat(2001)).success).toBe(false);
    expect(answer('无').success).toBe(true);
  });

  it('keeps offsets and numbers within what the stores keep', () => {
    expect(answer(true, 2 ** 31 - 1).success).toBe(true);
    expect(answer(true, 2 ** 31).success).toBe(false);
    expect(answer(1e13).success).toBe(false);
    expect(answer(42).success).toBe(true);
  });
});
