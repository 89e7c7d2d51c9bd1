import { describe, expect, it } from 'vitest';
import type { CallbackType } from '../../../shared/domain/callback-types';
import { current, finish, start } from '../../../shared/scripts/engine';
import type { Script, Step } from '../../../shared/scripts/format';
import { MergedScript, MergeError, mergeScripts } from '../../../shared/scripts/merge';
import { combinations, loadLibrary, scriptFor } from './library';
import { CONTEXT, passed, walkThrough } from './walk';

const library = loadLibrary();
const merge = (types: CallbackType[]) => mergeScripts(types.map((t) => scriptFor(library, t)));
const ids = (types: CallbackType[]) => merge(types).steps.map((s) => s.id);

describe('mergeScripts (一事一扰)', () => {
  it("verifies identity once, first, with every purpose's checks; one end, last", () => {
    const merged = merge(['new_account', 'aml', 'satisfaction']);
    expect(merged.steps.filter((s) => s.kind === 'identity')).toHaveLength(1);
    expect(merged.steps[0]).toMatchObject({
      kind: 'identity',
      purposes: ['new_account', 'aml', 'satisfaction'],
    });
    const identity = merged.steps[0];
    expect(identity?.kind === 'identity' && identity.checks.map((c) => c.id)).toEqual([
      'name',
      'id_last4',
      'birth_date',
    ]);
    expect(merged.steps.filter((s) => s.kind === 'end')).toHaveLength(1);
    expect(merged.steps.at(-1)?.kind).toBe('end');
  });

  it('asks shared questions once, for every purpose that shares them', () => {
    const merged = merge(['satisfaction', 'new_account', 'salesperson_departure']);
    const conduct = merged.steps.filter((s) => s.id.startsWith('conduct.'));
    expect(conduct).toHaveLength(11);
    for (const step of conduct)
      expect(step.purposes).toEqual(['new_account', 'satisfaction', 'salesperson_departure']);
  });

  it('does not repeat a disclosure, by id or by the same Chinese text', () => {
    expect(ids(['new_account', 'abnormal']).filter((id) => id === 'risk.market')).toHaveLength(1);
    // A script that words the market-risk disclosure identically under its own id.
    const complaint = structuredClone(scriptFor(library, 'complaint'));
    const risk = scriptFor(library, 'new_account').steps.find((s) => s.id === 'risk.market') as Step;
    complaint.steps.splice(-2, 0, { ...structuredClone(risk), id: 'complaint.risk' });
    const merged = mergeScripts([scriptFor(library, 'new_account'), complaint]);
    const read = merged.steps.filter((s) => s.text.zh === risk.text.zh);
    expect(read).toHaveLength(1);
    expect(read[0]?.purposes).toEqual(['new_account', 'complaint']);
  });

  it('keeps every step of every purpose, in an order that does not depend on the task', () => {
    for (const types of combinations(3)) {
      const merged = merge(types);
      expect(MergedScript.safeParse(merged).success).toBe(true);
      expect(new Set(merged.steps.map((s) => s.id)).size).toBe(merged.steps.length);
      for (const type of types) {
        for (const step of scriptFor(library, type).steps) {
          const kept = merged.steps.find((s) => s.id === step.id);
          expect(kept?.purposes, `${types.join('+')} ${step.id}`).toContain(type);
          if ('required' in step && step.required)
            expect(kept && 'required' in kept && kept.required).toBe(true);
        }
      }
      expect(merge([...types].reverse())).toEqual(merged);
    }
  });

  it("puts every purpose's closing steps (risk reminder, suggestions) after all their own steps", () => {
    const order = ids(['new_account', 'aml']);
    expect(order.slice(-3)).toEqual(['risk.market', 'opinion.suggestions', 'end']);
    expect(order.indexOf('aml.info_changed')).toBeLessThan(order.indexOf('risk.market'));
  });

  it("a jump to one script's end does not skip the other purposes", () => {
    const end = walkThrough(start(merge(['notification', 'complaint']), CONTEXT), {
      'notification.understood': true,
    });
    expect(passed(end)).not.toContain('notification.question');
    expect(passed(end)).toContain('complaint.resolved');
  });

  it('a step one purpose skips is still asked for the purpose that needs it', () => {
    // nonsite with the lending question on its "met outside" path, merged with new_account which always asks it.
    const nonsite = structuredClone(scriptFor(library, 'nonsite_qualification'));
    const lending = scriptFor(library, 'new_account').steps.find((s) => s.id === 'conduct.lending') as Step;
    const at = nonsite.steps.findIndex((s) => s.id === 'nonsite.meeting_place');
    nonsite.steps.splice(at + 1, 0, structuredClone(lending));
    const alone = walkThrough(start(mergeScripts([nonsite]), CONTEXT));
    expect(passed(alone)).not.toContain('conduct.lending');

    const merged = mergeScripts([nonsite, scriptFor(library, 'new_account')]);
    const end = walkThrough(start(merged, CONTEXT), { 'conduct.lending': true });
    const result = finish(end);
    if (!result.ok) throw new Error(result.error.en);
    expect(result.value.answers.filter((a) => a.stepId === 'conduct.lending')).toEqual([
      { stepId: 'conduct.lending', purposes: ['new_account'], value: true },
    ]);
    // The finding belongs to new_account only: the account opening is still released.
    expect(result.value.purposes).toEqual([
      { purpose: 'nonsite_qualification', outcome: 'release' },
      { purpose: 'new_account', outcome: 'follow_up' },
    ]);
    expect(current(end).kind).toBe('end');
  });

  it('refuses scripts that disagree on a shared step, or two scripts for one type', () => {
    const other = structuredClone(scriptFor(library, 'satisfaction')) as Script;
    const lending = other.steps.find((s) => s.id === 'conduct.lending');
    if (lending?.kind === 'question') lending.input = 'free_text';
    expect(() => mergeScripts([scriptFor(library, 'new_account'), other])).toThrow(MergeError);
    expect(() => merge(['aml', 'aml'])).toThrow(/aml 有多个脚本/);
    expect(() => mergeScripts([])).toThrow(MergeError);
  });
});
