import { describe, expect, it } from 'vitest';
import { CALLBACK_TYPES, type CallbackType } from '../../../shared/domain/callback-types';
import {
  answer,
  back,
  current,
  type EngineState,
  finish,
  progress,
  resume,
  start,
} from '../../../shared/scripts/engine';
import { mergeScripts } from '../../../shared/scripts/merge';
import { loadLibrary, scriptFor } from './library';
import { CONTEXT, passed, walkThrough } from './walk';

const library = loadLibrary();
const begin = (types: CallbackType[], context = CONTEXT) =>
  start(mergeScripts(types.map((t) => scriptFor(library, t))), context);

function ok<T>(result: { ok: true; value: T } | { ok: false; error: { en: string } }): T {
  if (!result.ok) throw new Error(result.error.en);
  return result.value;
}

function step(state: EngineState, value: Parameters<typeof answer>[1]): EngineState {
  return ok(answer(state, value));
}

describe('identity first', () => {
  it.each([
    [['nonsite_qualification']],
    [['new_account', 'aml']],
    [['satisfaction', 'complaint', 'advisory']],
  ] as const)('a failed identity check ends %j at once with identity_not_verified', (types) => {
    const failed = step(begin([...types]), false);
    const view = current(failed);
    expect(view).toMatchObject({ kind: 'end', identityFailed: true });
    expect(view.text.zh).toContain('无法核实您的身份');
    expect(view.text.zh).toContain(CONTEXT.branchName);
    expect(answer(failed, true)).toMatchObject({ ok: false, error: { code: 'at_end' } });
    expect(progress(failed)).toMatchObject({ atEnd: true, remainingRequired: 0 });
    const result = ok(finish(failed));
    expect(result.outcome).toBe('identity_not_verified');
    expect(result.purposes.map((p) => p.outcome)).toEqual(types.map(() => 'identity_not_verified'));
    // Purposes come in CALLBACK_TYPES order whatever order the task lists them in.
    const purposes = CALLBACK_TYPES.filter((t) => (types as readonly string[]).includes(t));
    expect(result.answers).toEqual([{ stepId: 'identity', purposes, value: false }]);
    expect(result.findings).toEqual([]);
  });

  it('going back from the failed identity check asks it again', () => {
    const again = back(step(begin(['aml']), false));
    expect(current(again).kind).toBe('identity');
    expect(ok(finish(walkThrough(again))).outcome).toBe('completed');
  });
});

describe('nonsite_qualification decides the account opening', () => {
  it('"met outside the premises" holds the opening and raises a finding about the salesperson', () => {
    const end = walkThrough(begin(['nonsite_qualification']), {
      'nonsite.met_outside': true,
      'nonsite.meeting_place': '客户单位楼下咖啡馆',
    });
    expect(passed(end)).toContain('nonsite.meeting_place');
    const result = ok(finish(end));
    expect(result.purposes).toEqual([{ purpose: 'nonsite_qualification', outcome: 'hold' }]);
    expect(result.findings).toEqual([
      expect.objectContaining({
        stepId: 'nonsite.met_outside',
        category: 'met_outside_premises',
        severity: 'high',
        about: 'salesperson',
        purposes: ['nonsite_qualification'],
      }),
    ]);
  });

  it('all checks passed releases it; the meeting-place question is not asked', () => {
    const end = walkThrough(begin(['nonsite_qualification']));
    expect(passed(end)).not.toContain('nonsite.meeting_place');
    const result = ok(finish(end));
    expect(result).toMatchObject({ outcome: 'completed', findings: [] });
    expect(result.purposes).toEqual([{ purpose: 'nonsite_qualification', outcome: 'release' }]);
  });

  it.each([
    ['nonsite.agent_doubt', true, 'verification_doubt'],
    ['nonsite.wants_account', false, 'account_not_wanted'],
    ['nonsite.risk_assessment', false, 'risk_assessment_not_own'],
  ])('%s = %s (a fail or a doubt) holds it with finding %s', (id, value, category) => {
    const result = ok(finish(walkThrough(begin(['nonsite_qualification']), { [id]: value })));
    expect(result.purposes[0]?.outcome).toBe('hold');
    expect(result.findings.map((f) => f.category)).toEqual([category]);
  });
});

describe('placeholders', () => {
  it('fill the polite title, branch, salesperson and opening date', () => {
    const s = step(begin(['new_account']), true);
    const view = current(s);
    expect(view.id).toBe('account.own_will');
    expect(view.text.zh).toContain('张女士，您于2025年3月5日在上海世纪大道营业部开立了证券账户');
    expect(view.text.en).toContain('Ms 张');
    const conduct = walkThrough(s, {});
    expect(passed(conduct)).toContain('conduct.lending');
  });

  it('read naturally without a salesperson or opening date, and never leave a brace', () => {
    const context = { ...CONTEXT, customerSex: 'male' as const, salespersonName: null, openedDate: null };
    let s = step(begin(['new_account'], context), true);
    expect(current(s).text.zh).toContain('张先生，您于近期在');
    while (current(s).kind !== 'end') {
      expect(JSON.stringify(current(s))).not.toMatch(
        /\{(customerTitle|branchName|salespersonName|openedDate|agentCode)\}/,
      );
      if (current(s).id === 'conduct.lending') expect(current(s).text.zh).toContain('我司工作人员');
      s = step(s, walkThroughValue(s));
    }
  });
});

/** The clean answer of the current step (walkThrough's choice), one step at a time. */
function walkThroughValue(s: EngineState) {
  const next = walkThrough(s);
  return next.trail[s.trail.length]?.value ?? null;
}

describe('answers', () => {
  const atQuestion = (id: string, types: CallbackType[] = ['new_account']) => {
    let s = step(begin(types), true);
    while (current(s).id !== id) s = step(s, walkThroughValue(s));
    return s;
  };

  it('a required step cannot be skipped; an optional one is recorded as skipped', () => {
    expect(answer(atQuestion('service.counter'), null)).toMatchObject({
      ok: false,
      error: { code: 'required' },
    });
    expect(answer(atQuestion('risk.market'), null)).toMatchObject({ ok: false, error: { code: 'required' } });
    const skipped = step(atQuestion('opinion.suggestions'), null);
    expect(ok(finish(skipped)).answers.at(-1)).toEqual({
      stepId: 'opinion.suggestions',
      purposes: ['new_account'],
      value: null,
    });
  });

  it('must fit the question', () => {
    const bad = (id: string, value: Parameters<typeof answer>[1], types?: CallbackType[]) =>
      expect(answer(atQuestion(id, types), value)).toMatchObject({
        ok: false,
        error: { code: 'invalid_value' },
      });
    bad('conduct.lending', 'yes');
    bad('service.counter', 'furious');
    bad('risk.market', false);
    bad('conduct.intro', true);
    bad('abnormal.cause', '   ', ['abnormal']);
    bad('aml.id_valid_from', '2025-02-30', ['aml']);
    bad('aml.id_valid_from', '2025/01/01', ['aml']);
    bad('satisfaction.channels', [], ['satisfaction']);
    bad('satisfaction.channels', ['app', 'app'], ['satisfaction']);
    bad('satisfaction.channels', ['fax'], ['satisfaction']);
    expect(answer(begin(['aml']), 'yes')).toMatchObject({ ok: false });
  });

  it('are recorded exactly as given, not as the caller later changes them', () => {
    const s = atQuestion('satisfaction.channels', ['satisfaction']);
    const value = ['wechat', 'app'];
    const after = step(s, value);
    value.push('phone');
    const text = '  营业部空调太冷了 ';
    const end = walkThrough(after, { 'opinion.suggestions': text });
    const answers = ok(finish(end)).answers;
    expect(answers.find((a) => a.stepId === 'satisfaction.channels')?.value).toEqual(['wechat', 'app']);
    expect(answers.find((a) => a.stepId === 'opinion.suggestions')?.value).toBe(text);
  });

  it('back drops the last answer and asks that step again', () => {
    const s = atQuestion('service.witness');
    const answered = step(s, 'dissatisfied');
    const again = back(answered);
    expect(current(again).id).toBe('service.witness');
    const result = ok(finish(walkThrough(again)));
    expect(result.findings).toEqual([]);
    expect(result.answers.filter((a) => a.stepId === 'service.witness')).toHaveLength(1);
    expect(back(begin(['aml']))).toEqual(begin(['aml']));
  });

  it('finish before the end says how many required steps are left', () => {
    const s = atQuestion('service.counter');
    expect(finish(s)).toMatchObject({ ok: false, error: { code: 'not_finished' } });
    expect(progress(s).remainingRequired).toBeGreaterThan(10);
  });
});

describe('a saved state resumes at the same step', () => {
  it('after a JSON round trip, with the earlier answers intact', () => {
    let s = step(begin(['new_account', 'aml']), true);
    for (let i = 0; i < 7; i++) s = step(s, walkThroughValue(s));
    const restored = ok(resume(JSON.parse(JSON.stringify(s))));
    expect(current(restored)).toEqual(current(s));
    expect(progress(restored)).toEqual(progress(s));
    expect(restored.trail).toEqual(s.trail);
  });

  it('refuses a damaged or tampered draft', () => {
    const s = step(step(begin(['new_account']), true), true);
    expect(
      resume({
        ...s,
        trail: [
          { stepId: 'identity', value: true },
          { stepId: 'risk.market', value: true },
        ],
      }).ok,
    ).toBe(false);
    expect(resume({ ...s, trail: [{ stepId: 'identity', value: 'yes' }] }).ok).toBe(false);
    expect(resume({ engine: 1 }).ok).toBe(false);
    // The draft holds the surname for the polite title, never the full name, ID or phone number.
    expect(Object.keys(s.context).sort()).toEqual(Object.keys(CONTEXT).sort());
  });
});
