/**
 * What the seat dials for a customer's number. Mainland mobile numbers go out as they are; other numbers get
 * the outside-line prefix the PBX needs (e.g. `9`). Only digits (and a leading +) survive.
 */
export interface DialRules {
  /** Prepended to every number that is not a mainland mobile number; '' for none. */
  outsidePrefix: string;
  /** Prepended to mobile numbers too (some PBXs need the prefix for every outside call). */
  prefixMobiles: boolean;
}

export function dialString(number: string, rules: DialRules): string {
  const cleaned = number.replace(/[^\d+]/g, '').replace(/(?!^)\+/g, '');
  if (cleaned === '') throw new RangeError('empty number');
  const mobile = /^1[3-9]\d{9}$/.test(cleaned);
  return (mobile && !rules.prefixMobiles) || cleaned.startsWith('+')
    ? cleaned
    : rules.outsidePrefix + cleaned;
}

/** `sip:<dial string>@<domain of the agent's own SIP URI>`. */
export function dialTarget(number: string, rules: DialRules, agentUri: string): string {
  const domain = agentUri.replace(/^sips?:/, '').split('@')[1];
  if (!domain) throw new RangeError('the SIP URI has no domain');
  return `sip:${dialString(number, rules)}@${domain}`;
}
