import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { v4 as uuidv4, v7 as uuidv7 } from 'uuid';
import { HqClient } from '../../electron/seat/sync/hq-client';
import { addPurposes, upsertCustomers, upsertSalespeople, upsertUser } from '../../hq/reference';
import type { Enrolment } from '../../shared/contract/sync';
import type { CallbackType } from '../../shared/domain/callback-types';
import { BRANCH } from './fixtures';
import type { TestHq } from './hq';
import { streamedWebm } from './webm';

export interface PushedCallback {
  resultId: string;
  recordingId: string;
  sha256: string;
  idNumber: string;
}

/**
 * A customer with a task of `purpose`, a seat that pulls it and sends back a completed callback made `at`,
 * with its 20-second recording, the way a seat does (push, then tus upload).
 */
export async function pushCallback(
  t: TestHq,
  dir: string,
  opts: {
    branchId: string;
    idNumber: string;
    phone: string;
    seat: Enrolment;
    purpose?: CallbackType;
    at?: string;
  },
): Promise<PushedCallback> {
  const { branchId, idNumber, phone, seat } = opts;
  const purpose = opts.purpose ?? 'aml';
  const at = opts.at ?? '2026-11-26T02:00:00.000Z';
  const customerId = `C-${uuidv4()}`;
  // The agent who made the call: a user of the branch (head office refuses a result by anyone else).
  const agentCode = `PC-${branchId}`.slice(0, 32);
  const agentId = await t.hq.db.db.transaction().execute(async (tx) => {
    const known = await tx.selectFrom('users').select('id').where('code', '=', agentCode).executeTakeFirst();
    return (
      known?.id ??
      upsertUser(tx, { code: agentCode, name: '回访专员', role: 'agent', branchId, passwordHash: 'unused' })
    );
  });
  await t.hq.db.db.transaction().execute(async (tx) => {
    await upsertSalespeople(tx, [
      { id: 'SP-SH-1', code: 'S01', name: '李经理', branchId: BRANCH.branchId, departedAt: null },
    ]);
    await upsertCustomers(tx, [
      {
        id: customerId,
        name: '王磊',
        idNumber,
        phone,
        branchId,
        salespersonId: branchId === BRANCH.branchId ? 'SP-SH-1' : null,
        introducerId: null,
        openedAt: null,
        channel: 'counter',
        margin: false,
      },
    ]);
    await addPurposes(
      tx,
      { id: customerId, branchId },
      [
        {
          type: purpose,
          deadlineAt: '2026-12-01T15:59:59.999Z',
          reason: '名单',
          salespersonId: null,
          sourceKey: `t:${customerId}`,
        },
      ],
      '2026-11-25T02:00:00.000Z',
    );
  });
  // The seat's clock agrees with head office's (the test's clock): nothing to correct.
  const client = new HqClient(t.url, { seatToken: seat.token }, t.hq.now);
  const page = await client.pull(0, 1000);
  const task = page.tasks.find((x) => x.customerId === customerId);
  if (!task) throw new Error('task not pulled');
  const bytes = streamedWebm(20);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const path = join(dir, `${uuidv4()}.webm`);
  writeFileSync(path, bytes);
  const attemptId = uuidv7();
  const recordingId = uuidv7();
  const resultId = uuidv7();
  const seq = (
    await t.hq.db.db
      .selectFrom('seats')
      .select('last_applied_seq')
      .where('id', '=', seat.seatId)
      .executeTakeFirstOrThrow()
  ).last_applied_seq;
  await client.push({
    seatId: seat.seatId,
    entries: [
      {
        seq: seq + 1,
        kind: 'recording',
        entityId: recordingId,
        createdAt: at,
        payload: {
          id: recordingId,
          attemptId,
          mimeType: 'audio/webm;codecs=opus',
          sha256,
          sizeBytes: bytes.length,
          durationMs: 20_000,
          status: 'finished',
          startedAt: at,
          finishedAt: at,
        },
      },
      {
        seq: seq + 2,
        kind: 'result',
        entityId: resultId,
        createdAt: at,
        payload: {
          id: resultId,
          taskId: task.id,
          attemptId,
          outcome: 'completed',
          disposition: 'connected',
          notes: '',
          retryAt: null,
          supersedesId: null,
          agentId,
          seatId: seat.seatId,
          createdAt: at,
          answers: [
            {
              stepId: 'identity',
              purposes: [purpose],
              value: true,
              answeredAt: at,
              recordingId,
              recordingOffsetMs: 1200,
            },
          ],
          purposes: [{ purpose, outcome: 'pass', scriptId: purpose, scriptVersion: 1 }],
          findings: [],
        },
      },
    ],
  });
  let url: string | null = null;
  await client.upload(
    { id: recordingId, path, sizeBytes: bytes.length },
    { uploadUrl: () => url, saveUploadUrl: (_i, u) => (url = u) },
  );
  return { resultId, recordingId, sha256, idNumber };
}
