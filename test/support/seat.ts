import { v7 as uuidv7 } from 'uuid';
import { SeatStore } from '../../electron/seat/store/seat-store';
import type { CommitResultArgs } from '../../shared/contract';
import { BRANCH, smallBranch, tempDir } from './fixtures';

/** A real store on a temporary file, set up with the small branch; `close()` removes it. */
export async function storeWithBranch(now = () => new Date('2026-11-26T02:00:00.000Z')) {
  const tmp = tempDir();
  const path = tmp.file('seat.db');
  const store = SeatStore.open(path, { now });
  store.ensureSeat(BRANCH);
  const branch = await smallBranch();
  store.importReferenceData(branch.batch);
  return {
    store,
    path,
    ...branch,
    close: () => {
      store.close();
      tmp.cleanup();
    },
  };
}

/** A result for a task; override what the test is about. */
export function resultFor(taskId: string, overrides: Partial<CommitResultArgs> = {}): CommitResultArgs {
  return {
    id: uuidv7(),
    taskId,
    attemptId: null,
    outcome: 'completed',
    disposition: 'connected',
    notes: '客户确认本人开户，已完成风险提示。',
    retryAt: null,
    supersedesId: null,
    ...overrides,
  };
}
