import { v4 as uuidv4, v7 as uuidv7 } from 'uuid';
import { Recordings } from '../../electron/seat/recordings/recordings';
import type { SeatStore } from '../../electron/seat/store/seat-store';
import type { AnswerValue, ScriptDraft } from '../../shared/contract';
import type { CallbackType } from '../../shared/domain/callback-types';
import { plainAnswer } from '../../shared/scripts/answers';
import { current } from '../../shared/scripts/engine';
import { BRANCH } from './fixtures';

/** A new open task for an existing customer with these purposes (deadline 2026-12-04, end of day). */
export function addTask(
  store: SeatStore,
  customerId: string,
  purposes: { type: CallbackType; salespersonId?: string | null }[],
): string {
  const id = uuidv4();
  store.importReferenceData({
    salespeople: [],
    agents: [],
    customers: [],
    tasks: [
      {
        id,
        customerId,
        branchId: BRANCH.branchId,
        assignedAgentId: null,
        status: 'open',
        createdAt: '2026-11-25T03:00:00.000Z',
        purposes: purposes.map((p) => ({
          type: p.type,
          deadlineAt: '2026-12-04T15:59:59.000Z',
          reason: '测试任务',
          salespersonId: p.salespersonId ?? null,
        })),
      },
    ],
  });
  return id;
}

/**
 * A dial of the task that the customer answered, with its recording open, as the phone leaves it when the
 * script begins (the store's own paths: the attempt fact, then the recording file).
 */
export function answeredCall(store: SeatStore, agentId: string, taskId: string, dir: string) {
  const settings = store.settings();
  if (!settings['sip.wsUrl']) store.setSetting(agentId, 'sip.wsUrl', 'ws://127.0.0.1:5066/');
  if (!settings['sip.uri']) store.setSetting(agentId, 'sip.uri', 'sip:8001@rig.test');
  const attemptId = uuidv7();
  store.startCall(agentId, attemptId, taskId);
  const recordings = new Recordings(
    store.db,
    dir,
    () => store.seat()?.id ?? '',
    () => store.now(),
  );
  const recordingId = uuidv7();
  recordings.start({ recordingId, attemptId, agentId, mimeType: 'audio/webm;codecs=opus' });
  return { attemptId, recordingId, recordings };
}

/** An answer that fits the step and raises nothing a test did not ask for. */
export { plainAnswer };

/**
 * Answers the task's script step by step up to its end (or up to `stopBefore`), with `answers` where given
 * and a plain answer elsewhere; offsets `spacingMs` apart (100 ms by default).
 */
export function walkScript(
  store: SeatStore,
  agentId: string,
  taskId: string,
  recordingId: string,
  answers: Record<string, AnswerValue> = {},
  stopBefore?: string,
  spacingMs = 100,
): ScriptDraft {
  let draft = store.openScript(agentId, taskId);
  for (let i = draft.answered; ; i++) {
    const step = current(draft.state);
    if (step.kind === 'end' || step.id === stopBefore) return draft;
    const value = step.id in answers ? (answers[step.id] as AnswerValue) : plainAnswer(step);
    draft = store.answerScript(agentId, {
      taskId,
      stepId: step.id,
      value,
      recordingId,
      offsetMs: spacingMs * i,
    });
  }
}
