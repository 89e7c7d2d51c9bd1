import { z } from 'zod';
import { CallbackType } from '../domain/callback-types';

/**
 * The call-script format (话术脚本), version 1. Scripts are data (`assets/scripts/*.json`) so administrators can
 * change them without a rebuild; results keep the script id and version, so a later version never changes
 * what an earlier call recorded. Cross-step rules (targets exist, options fit, …) live in `check.ts`.
 */
export const SCRIPT_FORMAT = 1;

/** Dotted lower-case ids (`conduct.promised_returns`); ≤ 100 characters because answers store them. */
export const StepId = z
  .string()
  .max(100)
  .regex(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/);
const Slug = z
  .string()
  .max(60)
  .regex(/^[a-z][a-z0-9_]*$/);

/** Every text the agent reads exists in Chinese (what is read aloud) and English (for reviewers). */
export const LocalizedText = z.strictObject({ zh: z.string().trim().min(1), en: z.string().trim().min(1) });
export type LocalizedText = z.infer<typeof LocalizedText>;

/**
 * Placeholders a text may use, filled from the task when the step is shown. The customer appears only as a
 * polite title (surname + 先生/女士): ID numbers and phone numbers are never placeholders, so they cannot
 * reach a script text, a draft answer or a log.
 */
export const PLACEHOLDERS = [
  'customerTitle',
  'branchName',
  'salespersonName',
  'openedDate',
  'agentCode',
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

export const QUESTION_INPUTS = [
  'yes_no',
  'single_choice',
  'multi_choice',
  'free_text',
  'date',
  'number',
] as const;
export const QuestionInput = z.enum(QUESTION_INPUTS);
export type QuestionInput = z.infer<typeof QuestionInput>;

export const Severity = z.enum(['low', 'medium', 'high']);
export type Severity = z.infer<typeof Severity>;

/**
 * What a purpose's part of the call concluded. `release`/`hold` are the account-opening decision of
 * `nonsite_qualification`; `follow_up` means someone must act (a finding, an expired ID, an unresolved complaint).
 */
export const PurposeOutcome = z.enum(['pass', 'follow_up', 'release', 'hold', 'identity_not_verified']);
export type PurposeOutcome = z.infer<typeof PurposeOutcome>;

/**
 * Matches an answer: `true`/`false` for yes_no, an option id for single_choice, an option id the answer
 * includes for multi_choice. Other inputs cannot branch or raise findings (free text is read by people).
 */
export const AnswerMatch = z.union([z.boolean(), Slug]);
export type AnswerMatch = z.infer<typeof AnswerMatch>;

/**
 * A finding for compliance. `about` says whom it concerns; the store links it to that salesperson or branch
 * through the task at run time, so a script never names a person.
 */
export const FindingSpec = z.strictObject({
  category: Slug,
  severity: Severity,
  about: z.enum(['salesperson', 'branch', 'customer']),
  text: LocalizedText,
});
export type FindingSpec = z.infer<typeof FindingSpec>;

export const FindingRule = z.strictObject({ when: AnswerMatch, finding: FindingSpec });
export type FindingRule = z.infer<typeof FindingRule>;

/** A jump forward: steps between this one and `next` are not asked for this purpose. */
export const Branch = z.strictObject({ when: AnswerMatch, next: StepId });
export type Branch = z.infer<typeof Branch>;

export const QuestionOption = z.strictObject({ id: Slug, label: LocalizedText });
export type QuestionOption = z.infer<typeof QuestionOption>;

export const IdentityCheck = z.strictObject({ id: Slug, label: LocalizedText });
export type IdentityCheck = z.infer<typeof IdentityCheck>;

const base = {
  id: StepId,
  required: z.boolean(),
  text: LocalizedText,
  /** A hint for the agent, not read aloud. */
  note: LocalizedText.optional(),
  /** Default next step when it is not the following one; absent means the following step. */
  next: StepId.optional(),
  /**
   * Part of the call's closing (a last risk reminder, "any suggestions?"): in a merged call these come after
   * every purpose's own steps, so they are not heard in the middle. They must be the last steps before the end.
   */
  closing: z.boolean().optional(),
};

export const SayStep = z.strictObject({ ...base, kind: z.literal('say') });
/** Read word for word; the agent confirms it was read (answer `true`), which is kept as evidence. */
export const DisclosureStep = z.strictObject({ ...base, kind: z.literal('disclosure') });
export const QuestionStep = z.strictObject({
  ...base,
  kind: z.literal('question'),
  input: QuestionInput,
  options: z.array(QuestionOption).optional(),
  /** number: bounds and whether only integers fit. */
  min: z.number().optional(),
  max: z.number().optional(),
  integer: z.boolean().optional(),
  /** free_text: the longest answer (the contract keeps at most 2000 characters). */
  maxLength: z.number().int().min(1).max(2000).optional(),
  branches: z.array(Branch).optional(),
  findings: z.array(FindingRule).optional(),
});
/**
 * Identity first: passed (`true`) or failed (`false`). On failure the engine shows `failText` and the call
 * ends with `identity_not_verified`, so nothing about the account is discussed with someone unverified.
 */
export const IdentityStep = z.strictObject({
  id: StepId,
  kind: z.literal('identity'),
  required: z.literal(true),
  text: LocalizedText,
  note: LocalizedText.optional(),
  checks: z.array(IdentityCheck).min(1),
  failText: LocalizedText,
});
export const EndStep = z.strictObject({
  id: StepId,
  kind: z.literal('end'),
  text: LocalizedText,
  note: LocalizedText.optional(),
});

export const Step = z.discriminatedUnion('kind', [
  SayStep,
  DisclosureStep,
  QuestionStep,
  IdentityStep,
  EndStep,
]);
export type Step = z.infer<typeof Step>;
export type SayStep = z.infer<typeof SayStep>;
export type DisclosureStep = z.infer<typeof DisclosureStep>;
export type QuestionStep = z.infer<typeof QuestionStep>;
export type IdentityStep = z.infer<typeof IdentityStep>;
export type EndStep = z.infer<typeof EndStep>;
export type StepKind = Step['kind'];

/** A condition of an outcome rule: an answer of this purpose, or a finding it raised. */
export const OutcomeCondition = z.union([
  z.strictObject({ step: StepId, is: AnswerMatch }),
  z.strictObject({ findingAtLeast: Severity }),
]);
export type OutcomeCondition = z.infer<typeof OutcomeCondition>;

/** The first rule that holds decides; none → `default`. Identity failure is decided by the engine. */
export const OutcomeRules = z.strictObject({
  default: PurposeOutcome.exclude(['identity_not_verified']),
  rules: z.array(
    z.strictObject({ when: OutcomeCondition, outcome: PurposeOutcome.exclude(['identity_not_verified']) }),
  ),
});
export type OutcomeRules = z.infer<typeof OutcomeRules>;

export const Script = z.strictObject({
  format: z.literal(SCRIPT_FORMAT),
  id: Slug,
  version: z.number().int().positive(),
  callbackType: CallbackType,
  title: LocalizedText,
  steps: z.array(Step).min(2),
  outcome: OutcomeRules,
});
export type Script = z.infer<typeof Script>;
