import { z } from 'zod';
import { CallbackType } from '../domain/callback-types';
import { ResultOutcome } from './schemas';

/**
 * The review contract: what supervisors, reviewers and compliance ask head office for (search results, open
 * one, play and download its recording). Head office validates requests and answers with these schemas, the
 * seat validates head office's answers with them before they reach the console.
 */

/** A search of results. Customers are found by the full value only (exact match), never by a fragment. */
export const ReviewSearch = z.object({
  branchId: z.string().max(40).optional(),
  agentId: z.guid().optional(),
  salespersonId: z.string().max(40).optional(),
  type: CallbackType.optional(),
  outcome: ResultOutcome.optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  idNumber: z
    .string()
    .regex(/^\d{17}[\dX]$/, '身份证号须为完整的 18 位')
    .optional(),
  phone: z
    .string()
    .regex(/^1\d{10}$/, '手机号须为完整的 11 位')
    .optional(),
  findingsOnly: z.enum(['true', 'false']).optional(),
  /** Keyset: the `next` of the previous page. */
  before: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});
export type ReviewSearch = z.input<typeof ReviewSearch>;

/** One result in a list: personal data masked. */
export const ReviewRow = z.object({
  id: z.string(),
  createdAt: z.string(),
  branchId: z.string().nullable(),
  agentId: z.string(),
  agentCode: z.string().nullable(),
  agentName: z.string().nullable(),
  customerName: z.string().nullable(),
  idNumberMasked: z.string().nullable(),
  phoneMasked: z.string().nullable(),
  salespersonName: z.string().nullable(),
  outcome: z.string(),
  disposition: z.string(),
  flag: z.string().nullable(),
  purposes: z.array(z.string()),
  findings: z.number().int(),
  recordingId: z.string().nullable(),
});
export type ReviewRow = z.infer<typeof ReviewRow>;

export const ReviewPage = z.object({ items: z.array(ReviewRow), next: z.string().nullable() });
export type ReviewPage = z.infer<typeof ReviewPage>;

/** One result opened: its answers (each at its moment in the recording), purposes, findings, recording. */
export const ReviewDetail = z.object({
  result: z.object({
    id: z.string(),
    taskId: z.string(),
    seatId: z.string(),
    agentId: z.string(),
    attemptId: z.string().nullable(),
    branchId: z.string().nullable(),
    outcome: z.string(),
    disposition: z.string(),
    notes: z.string(),
    flag: z.string().nullable(),
    createdAt: z.string(),
  }),
  answers: z.array(
    z.object({
      stepId: z.string(),
      purposes: z.array(z.string()),
      value: z.unknown(),
      answeredAt: z.string(),
      recordingId: z.string(),
      offsetMs: z.number().int(),
    }),
  ),
  purposes: z.array(
    z.object({
      purpose: z.string(),
      outcome: z.string(),
      scriptId: z.string(),
      scriptVersion: z.number().int(),
    }),
  ),
  findings: z.array(
    z.object({
      id: z.string(),
      stepId: z.string(),
      category: z.string(),
      severity: z.string(),
      about: z.string(),
      textZh: z.string(),
      salespersonId: z.string().nullable(),
      recordingId: z.string().nullable(),
      offsetMs: z.number().int().nullable(),
    }),
  ),
  recording: z
    .object({
      id: z.string(),
      sha256: z.string(),
      sizeBytes: z.number().int(),
      durationMs: z.number().int().nullable(),
      status: z.string(),
      storedAt: z.string().nullable(),
    })
    .nullable(),
});
export type ReviewDetail = z.infer<typeof ReviewDetail>;

/** A grant to stream a recording's playback copy (seekable; its own hash), with its waveform. */
export const PlaybackGrant = z.object({
  /** Head office's path to stream from with Range requests, valid until `expiresAt`; the token is the grant. */
  path: z.string(),
  expiresAt: z.string(),
  /** The original's hash as recorded at the seat, and the playback copy's own. */
  originalSha256: z.string(),
  sha256: z.string(),
  sizeBytes: z.number().int(),
  durationMs: z.number().int(),
  /** Peaks 0–1 per bucket: agent (left channel) and customer (right). */
  peaks: z.object({ left: z.array(z.number()), right: z.array(z.number()) }),
});
export type PlaybackGrant = z.infer<typeof PlaybackGrant>;

/** Where a playback grant's copy is streamed from. */
export const PLAYBACK_PATH = '/api/playback/';

// ---- what the seat gives the console (window.seat), built on head office's answers ----

/** A search from the console: head office's query, strictly. */
export const ReviewSearchArgs = ReviewSearch.omit({ limit: true })
  .extend({ limit: z.number().int().min(1).max(100).default(50) })
  .strict();

/** A moment on the recording's timeline: an answer given there, with the step it answers (from its script). */
export const ReviewMarker = z.object({
  offsetMs: z.number().int(),
  stepId: z.string(),
  /** The step's kind in the script it came from; `unknown` when the seat does not hold that script version. */
  kind: z.enum(['identity', 'question', 'disclosure', 'say', 'end', 'unknown']),
  label: z.object({ zh: z.string(), en: z.string() }).nullable(),
  purposes: z.array(z.string()),
  value: z.unknown(),
});
export type ReviewMarker = z.infer<typeof ReviewMarker>;

export const ReviewResult = ReviewDetail.extend({ markers: z.array(ReviewMarker) });
export type ReviewResult = z.infer<typeof ReviewResult>;

/** A playback grant as the console uses it: `url` is on the seat's own host, which streams from head office. */
export const ReviewPlayback = PlaybackGrant.omit({ path: true }).extend({ url: z.string() });
export type ReviewPlayback = z.infer<typeof ReviewPlayback>;

/** A downloaded original: saved on this computer, its SHA-256 checked against the one recorded at the seat. */
export const ReviewDownload = z.object({
  path: z.string(),
  sizeBytes: z.number().int(),
  sha256: z.string(),
  expectedSha256: z.string(),
  verified: z.literal(true),
});
export type ReviewDownload = z.infer<typeof ReviewDownload>;

/** The seat's route that streams a playback copy from head office (`/hq-playback/<grant token>`). */
export const SEAT_PLAYBACK_ROUTE = '/hq-playback/';
