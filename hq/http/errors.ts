import type { SyncErrorBody } from '../../shared/contract/sync';

/** A refusal with its HTTP status and a Chinese message a person can act on. */
export class HqError extends Error {
  constructor(
    readonly status: number,
    readonly code: SyncErrorBody['code'],
    message: string,
    readonly extra: Pick<SyncErrorBody, 'expectedSeq' | 'appliedSeq' | 'conflictSeq'> = {},
  ) {
    super(message);
  }

  body(): SyncErrorBody {
    return { code: this.code, message: this.message, ...this.extra };
  }
}
