import type { AttemptOutcome } from '../contract/schemas';

/**
 * How a dial ended, from what the phone saw, as the attempt's outcome (issue "Telephony"):
 * answered; busy (486, 600); no answer (408, 480, or 487 after our own ring timeout cancelled it);
 * invalid number (404, 484, 604); declined (603); failed (anything else, the code kept).
 */
export interface DialEnd {
  /** The call was established (200 OK to our INVITE). */
  answered: boolean;
  /** The final SIP response code of a call that was not answered; null when none arrived (e.g. no transport). */
  sipCode: number | null;
  /** We cancelled because the ring timeout ran out (the far end then answers 487). */
  ringTimedOut: boolean;
}

export function attemptOutcome(end: DialEnd): AttemptOutcome {
  if (end.answered) return 'answered';
  const code = end.sipCode;
  if (code === 486 || code === 600) return 'busy';
  if (code === 408 || code === 480 || (code === 487 && end.ringTimedOut)) return 'no_answer';
  if (code === 404 || code === 484 || code === 604) return 'invalid_number';
  if (code === 603) return 'declined';
  return 'failed';
}
