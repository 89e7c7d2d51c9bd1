import type { RulesConfig } from './config';

/** Anti-money-laundering identity records are kept at least 5 years (DOMAIN.md, "Evidence"), whatever is set. */
export const AML_MIN_YEARS = 5;

/**
 * The years a recording is kept: the longest of the configured period and those of the callback types the call
 * covered (a merged call carries several), never under the legal minimums.
 */
export function retentionYears(purposes: readonly string[], retention: RulesConfig['retention']): number {
  let years = retention.recordingYears;
  for (const purpose of purposes) {
    years = Math.max(years, retention.byType[purpose as keyof typeof retention.byType] ?? 0);
    if (purpose === 'aml') years = Math.max(years, AML_MIN_YEARS);
  }
  return years;
}

/**
 * The instant a training call's recording (演练线路) may be removed: `days` after the call. A training call is
 * no callback and its recording no evidence, so neither the configured years nor the legal minimums apply.
 */
export function trainingRetainUntil(finishedAt: string, days: number): string {
  return new Date(new Date(finishedAt).getTime() + days * 86_400_000).toISOString();
}

/** The instant a recording made at `finishedAt` may be removed (the same date and time, `years` later). */
export function retainUntil(finishedAt: string, years: number): string {
  const at = new Date(finishedAt);
  at.setUTCFullYear(at.getUTCFullYear() + years);
  return at.toISOString();
}
