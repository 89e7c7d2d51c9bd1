import { z } from 'zod';

/**
 * Stable error codes. They cross the contract as data (`{ ok: false, error: { code, message } }`) and the UI
 * translates them by code; `message` is a Chinese sentence for people and logs, never personal data.
 */
export const ERROR_CODES = [
  /** The payload did not match the method's schema. */
  'BAD_REQUEST',
  /** No such method in the contract. */
  'UNKNOWN_METHOD',
  /** The method needs a logged-in agent. */
  'NOT_AUTHENTICATED',
  /** Logged in, but not allowed (role, branch or recusal). */
  'FORBIDDEN',
  /** Agent code or password wrong. */
  'WRONG_CREDENTIALS',
  /** Too many failed logins; `message` says until when. */
  'LOCKED_OUT',
  /** The password is right but must be changed first (a head-office login: its first, generated password). */
  'PASSWORD_CHANGE_REQUIRED',
  /** The task, customer or result does not exist on this seat. */
  'NOT_FOUND',
  /** The request contradicts stored facts (e.g. a closed task, a result id reused with other content). */
  'CONFLICT',
  /** The local database cannot be used (corrupt, unreadable, written by a newer version). */
  'STORE_UNAVAILABLE',
  /** The disk is full: what was asked was not saved; everything saved before is kept. */
  'DISK_FULL',
  /** Head office is needed (the supervisor workspace, a head-office login) and cannot be reached. */
  'HQ_UNAVAILABLE',
  /** A defect: logged on the seat; the message says nothing of the cause. */
  'INTERNAL',
] as const;

export const ErrorCode = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const SeatErrorData = z.object({ code: ErrorCode, message: z.string() });
export type SeatErrorData = z.infer<typeof SeatErrorData>;

/** Thrown by seat services; the dispatcher turns it into `{ ok: false, error }`. */
export class SeatError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SeatError';
    this.code = code;
  }
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: SeatErrorData };
