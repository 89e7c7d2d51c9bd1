import type { EvaluationForm } from '../contract/review';

/**
 * Scoring a re-check on its evaluation form: head office decides with it, and the reviewer's screen shows the
 * same score as the items are ticked.
 */

export interface ScoredItem {
  criterionId: string;
  passed: boolean;
}

export type Scored =
  | { ok: true; score: number; passed: boolean; failedCritical: string[] }
  | { ok: false; error: string };

/**
 * The score of an evaluation: the weights of the criteria met over all weights, 0–100. It passes when it
 * reaches the form's pass score and no critical criterion failed. Every criterion must be judged once.
 */
export function scoreEvaluation(form: EvaluationForm, items: readonly ScoredItem[]): Scored {
  const byId = new Map(items.map((i) => [i.criterionId, i]));
  if (byId.size !== items.length) return { ok: false, error: '同一评分项评了两次' };
  for (const i of items) {
    if (!form.criteria.some((c) => c.id === i.criterionId))
      return { ok: false, error: `评分项 ${i.criterionId} 不在表中` };
  }
  const missing = form.criteria.filter((c) => !byId.has(c.id));
  if (missing.length > 0)
    return { ok: false, error: `还有评分项未评：${missing.map((c) => c.label).join('、')}` };
  const total = form.criteria.reduce((sum, c) => sum + c.weight, 0);
  const met = form.criteria.reduce((sum, c) => sum + (byId.get(c.id)?.passed ? c.weight : 0), 0);
  const score = total === 0 ? 100 : Math.round((met / total) * 100);
  const failedCritical = form.criteria.filter((c) => c.critical && !byId.get(c.id)?.passed).map((c) => c.id);
  return { ok: true, score, passed: failedCritical.length === 0 && score >= form.passScore, failedCritical };
}
