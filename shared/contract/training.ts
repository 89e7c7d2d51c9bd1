import { z } from 'zod';
import { ClipName, PersonaId, PersonaLine, TurnAfter } from '../training/persona';
import { Base64Chunk } from './schemas';

/**
 * The training line (演练线路, issue #15) across the contract: which personas the seat offers, their clips,
 * what a training attempt and a training result carry to head office, and the supervisors' training view.
 *
 * A training call is never evidence: its attempt names the persona (`AttemptTraining`), its result carries
 * the script's completeness (`ResultTraining`) and leaves the task open, and head office keeps both out of
 * coverage, deadlines, findings and re-check sampling, for the training view alone.
 */

/** A persona as the console plays and shows it: its lines, and the clip each turn speaks. */
export const PersonaSummary = z.object({
  id: PersonaId,
  version: z.number().int().positive(),
  name: z.string(),
  description: z.string(),
  en: z.object({ name: z.string(), description: z.string() }).optional(),
  line: PersonaLine,
  turns: z.array(
    z.object({ clip: ClipName, text: z.string(), after: TurnAfter, delayMs: z.number().int().nonnegative() }),
  ),
  hangUpAfterMs: z.number().int().nonnegative().optional(),
  /** Script steps at which this customer's answer must raise a finding (the persona gives cause). */
  findings: z.array(z.string()),
});
export type PersonaSummary = z.infer<typeof PersonaSummary>;

/** `training.personas`: whether this seat may use the training line (an administrator's choice) and whom. */
export const TrainingLineInfo = z.object({
  allowed: z.boolean(),
  /** The seat has a PBX configured (then the training line is the agent's choice, not the default). */
  pbxConfigured: z.boolean(),
  personas: z.array(PersonaSummary),
});
export type TrainingLineInfo = z.infer<typeof TrainingLineInfo>;

export const TrainingClip = z.object({ data: Base64Chunk, mimeType: z.string() });

/** On an attempt placed on the training line: who the simulated customer was. */
export const AttemptTraining = z.object({
  personaId: PersonaId,
  personaVersion: z.number().int().positive().max(1_000_000),
});
export type AttemptTraining = z.infer<typeof AttemptTraining>;

const Count = z.number().int().min(0).max(10_000);
const StepIds = z.array(z.string().max(100)).max(100);

/**
 * On a result of a training call: the persona and how complete the script was (steps done of the path's
 * steps, disclosures confirmed of those on the path, the findings raised against those the persona gives
 * cause for), so a supervisor can coach from it.
 */
export const ResultTraining = AttemptTraining.extend({
  stepsDone: Count,
  stepsTotal: Count,
  disclosuresConfirmed: Count,
  disclosuresTotal: Count,
  /** Steps the persona gives cause at (a finding expected there). */
  findingsExpected: StepIds,
  /** Steps the agent's answers raised a finding at. */
  findingsRaised: StepIds,
});
export type ResultTraining = z.infer<typeof ResultTraining>;

/** The training view's question: one trainee (by id or code), or a branch's trainees, newest first. */
export const TrainingQuery = z
  .object({
    branchId: z.string().max(40).optional(),
    agentId: z.guid().optional(),
    agentCode: z.string().trim().min(1).max(32).optional(),
    /** Keyset: the `next` of the previous page (`<instant>|<attempt id>`). */
    before: z
      .string()
      .max(100)
      .regex(/^[0-9T:.+Z-]{20,35}\|[0-9a-f-]{36}$/, { message: '翻页位置无效' })
      .optional(),
    limit: z.coerce.number().int().min(1).max(100).default(50),
  })
  .strict();
export type TrainingQuery = z.input<typeof TrainingQuery>;

/** One practice call: its attempt, the result committed after it (if any) with completeness, its recording. */
export const TrainingCall = z.object({
  attemptId: z.string(),
  startedAt: z.string(),
  branchId: z.string().nullable(),
  agentId: z.string(),
  agentCode: z.string().nullable(),
  agentName: z.string().nullable(),
  personaId: z.string(),
  personaVersion: z.number().int(),
  attemptOutcome: z.string(),
  sipCode: z.number().int().nullable(),
  resultId: z.string().nullable(),
  resultOutcome: z.string().nullable(),
  disposition: z.string().nullable(),
  completeness: ResultTraining.omit({ personaId: true, personaVersion: true }).nullable(),
  /** The raised findings match the persona's cause exactly (none missing, none without cause). */
  findingsCorrect: z.boolean().nullable(),
  recordingId: z.string().nullable(),
  durationMs: z.number().int().nullable(),
});
export type TrainingCall = z.infer<typeof TrainingCall>;

export const TrainingPage = z.object({ items: z.array(TrainingCall), next: z.string().nullable() });
export type TrainingPage = z.infer<typeof TrainingPage>;

/** `call.start`'s line: the PBX (default), or the training line with the persona who will answer. */
export const CallLine = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('pbx') }).strict(),
  z.object({ kind: z.literal('training'), personaId: PersonaId }).strict(),
]);
export type CallLine = z.infer<typeof CallLine>;
