import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { v5 as uuidv5 } from 'uuid';
import type { DemoBranch } from '../electron/seat/demo/generate';
import { tokenHash } from '../hq/auth/tokens';
import type { Hq } from '../hq/context';
import { sampleRechecks, setRecheckPlan } from '../hq/qa';
import { addPurposes } from '../hq/reference';
import { applyPush } from '../hq/sync/push';
import type { OutboxEntry } from '../shared/contract/sync';
import { maskPhone } from '../shared/domain/masking';
import { plainAnswer } from '../shared/scripts/answers';
import { current, finish, answer as give, start } from '../shared/scripts/engine';
import { parseScript, type Script } from '../shared/scripts/format';
import { mergeScripts } from '../shared/scripts/merge';

const SCRIPTS = join(import.meta.dirname, '../assets/scripts');
/** Ids of the demo history are derived from the demo's own, so a second start would make the same. */
const NAMESPACE = '6f1c2a4e-5b7d-4c1e-9a3f-2d8e7b6c5a41';
const id = (name: string) => uuidv5(name, NAMESPACE);
const HISTORY = 24;

/** A stereo call as the seat's recorder writes it (streamed WebM, no cues): tones left and right. */
function recording(seconds: number, left: number, right: number): Buffer {
  return execFileSync(
    'ffmpeg',
    [
      ...['-v', 'error', '-f', 'lavfi', '-i', `sine=f=${left}:d=${seconds},volume=3`],
      ...['-f', 'lavfi', '-i', `sine=f=${right}:d=${seconds},volume=2`],
      ...['-filter_complex', 'amerge=inputs=2', '-c:a', 'libopus', '-b:a', '24k', '-f', 'webm', 'pipe:1'],
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
}

/**
 * The demo branch's recent history at head office, so that a newcomer's supervisor workspace has something in
 * it: the last closed tasks of the demo (24 at most, of customers with nothing open) as a seat of the branch
 * would have sent them home — attempt, recording and result with its answers, purposes and findings, pushed
 * through the same path as a real seat's — with their recordings stored (generated tones, stereo), a
 * re-check plan of 20% a month for the branch, and this month and the last sampled. Needs ffmpeg; without it the history
 * is left out and the console says nothing is there yet.
 */
export async function seedDemoHistory(
  hq: Hq,
  branch: DemoBranch,
  branchId: string,
  now: Date,
): Promise<number> {
  try {
    execFileSync('ffmpeg', ['-version'], { stdio: 'ignore' });
  } catch {
    console.warn('演示历史：未找到 ffmpeg，总部不生成演示回访录音');
    return 0;
  }
  const scripts = new Map<string, Script>();
  for (const file of readdirSync(SCRIPTS).filter((f) => f.endsWith('.json'))) {
    const parsed = parseScript(JSON.parse(readFileSync(join(SCRIPTS, file), 'utf8')), file);
    if (parsed.ok) scripts.set(parsed.script.callbackType, parsed.script);
  }
  const open = new Set(branch.tasks.filter((t) => t.status === 'open').map((t) => t.customerId));
  const since = now.getTime() - 25 * 86_400_000;
  const candidates = branch.tasks.filter(
    (t) =>
      t.status === 'closed' &&
      t.assignedAgentId !== null &&
      !open.has(t.customerId) &&
      Date.parse(t.createdAt) >= since &&
      Date.parse(t.createdAt) < now.getTime() - 3_600_000,
  );
  // Every callback type there is, in turn, newest first within each.
  const byType = new Map<string, typeof candidates>();
  for (const t of [...candidates].reverse()) {
    const type = t.purposes[0]?.type ?? '';
    byType.set(type, [...(byType.get(type) ?? []), t]);
  }
  const picks: typeof candidates = [];
  for (let round = 0; picks.length < HISTORY && round < candidates.length; round++) {
    for (const list of byType.values()) {
      const next = list[round];
      if (next && picks.length < HISTORY) picks.push(next);
    }
  }
  if (picks.length === 0) return 0;

  const admin = await hq.db.db
    .selectFrom('users')
    .select('id')
    .where('code', '=', 'HQ01')
    .executeTakeFirstOrThrow();
  const seatId = id('history-seat');
  await hq.db.db
    .insertInto('seats')
    .values({
      id: seatId,
      branch_id: branchId,
      name: '演示历史坐席',
      token_hash: tokenHash(randomBytes(32).toString('base64url')),
      enrolled_by: admin.id,
      enrolled_at: new Date(since).toISOString(),
    })
    .execute();
  const files = [recording(48, 330, 520), recording(63, 370, 560), recording(77, 300, 600)];
  const customers = new Map(branch.customers.map((c) => [c.id, c]));
  const agents = new Map(branch.agents.map((a) => [a.id, a]));
  const entries: OutboxEntry[] = [];
  const stored: { recordingId: string; bytes: Buffer }[] = [];
  let seq = 0;

  await hq.db.db.transaction().execute(async (tx) => {
    for (const t of picks) {
      await addPurposes(
        tx,
        { id: t.customerId, branchId },
        t.purposes.map((p) => ({ ...p, sourceKey: `demo-history:${t.id}:${p.type}` })),
        t.createdAt,
        { taskId: t.id, assignedSeatId: seatId },
      );
    }
  });

  picks.forEach((t, i) => {
    const customer = customers.get(t.customerId);
    const agent = agents.get(t.assignedAgentId as string);
    const merged = mergeScripts(t.purposes.map((p) => scripts.get(p.type)).filter((s) => s !== undefined));
    let state = start(merged, {
      customerSurname: customer?.name.slice(0, 1) ?? '',
      customerSex: 'unknown',
      branchName: branch.branchName,
      salespersonName: null,
      openedDate: null,
      agentCode: agent?.code ?? '',
    });
    // One call in six reveals one misconduct: the first question that can raise a finding does.
    let raise = i % 6 === 2;
    for (let guard = 0; guard < 200; guard++) {
      const step = current(state);
      if (step.kind === 'end') break;
      const raising = raise && step.kind === 'question' && (step.findings?.length ?? 0) > 0;
      if (raising) raise = false;
      const next = give(state, plainAnswer(step, raising));
      if (!next.ok) break;
      state = next.value;
    }
    const done = finish(state);
    if (!done.ok) return;
    const bytes = files[i % files.length] as Buffer;
    const seconds = [48, 63, 77][i % 3] as number;
    const spacing = Math.floor(((seconds - 8) * 1000) / Math.max(1, done.value.answers.length));
    // Called in office hours (China time) on the day after the task came, never in the future.
    const day = Math.floor((Date.parse(t.createdAt) + 8 * 3_600_000) / 86_400_000) + 1;
    const officeHours = day * 86_400_000 - 8 * 3_600_000 + (9.5 * 60 + ((i * 47) % 420)) * 60_000;
    const dialAt = Math.min(officeHours, now.getTime() - 600_000);
    const answeredAt = dialAt + 9_000;
    const endedAt = answeredAt + seconds * 1000;
    const attemptId = id(`attempt:${t.id}`);
    const recordingId = id(`recording:${t.id}`);
    const resultId = id(`result:${t.id}`);
    const offsetOf = new Map(done.value.answers.map((a, k) => [a.stepId, 3000 + k * spacing]));
    const iso = (ms: number) => new Date(ms).toISOString();
    const agentId = t.assignedAgentId as string;
    entries.push(
      {
        seq: ++seq,
        kind: 'attempt',
        entityId: attemptId,
        createdAt: iso(endedAt),
        payload: {
          id: attemptId,
          taskId: t.id,
          agentId,
          seatId,
          startedAt: iso(dialAt),
          numberMasked: customer ? maskPhone(customer.phone) : '',
          answeredAt: iso(answeredAt),
          endedAt: iso(endedAt),
          outcome: 'answered',
          sipCode: 200,
        },
      },
      {
        seq: ++seq,
        kind: 'recording',
        entityId: recordingId,
        createdAt: iso(endedAt),
        payload: {
          id: recordingId,
          attemptId,
          mimeType: 'audio/webm;codecs=opus',
          sha256: createHash('sha256').update(bytes).digest('hex'),
          sizeBytes: bytes.length,
          durationMs: seconds * 1000,
          status: 'finished',
          startedAt: iso(answeredAt),
          finishedAt: iso(endedAt),
        },
      },
      {
        seq: ++seq,
        kind: 'result',
        entityId: resultId,
        createdAt: iso(endedAt + 60_000),
        payload: {
          id: resultId,
          taskId: t.id,
          attemptId,
          outcome: done.value.outcome,
          disposition: 'connected',
          notes: raise ? '客户反映营销人员的说法，已按话术记录' : '',
          retryAt: null,
          supersedesId: null,
          agentId,
          seatId,
          createdAt: iso(endedAt + 60_000),
          answers: done.value.answers.map((a) => ({
            stepId: a.stepId,
            purposes: a.purposes,
            value: a.value,
            answeredAt: iso(answeredAt + (offsetOf.get(a.stepId) ?? 0)),
            recordingId,
            recordingOffsetMs: offsetOf.get(a.stepId) ?? 0,
          })),
          purposes: done.value.purposes.map((p) => {
            const script = done.value.scripts.find((s) => s.callbackType === p.purpose);
            return {
              purpose: p.purpose,
              outcome: p.outcome,
              scriptId: script?.id ?? p.purpose,
              scriptVersion: script?.version ?? 1,
            };
          }),
          findings: done.value.findings.map((f, k) => ({
            id: id(`finding:${t.id}:${k}`),
            stepId: f.stepId,
            purposes: f.purposes,
            category: f.category,
            severity: f.severity,
            about: f.about,
            text: f.text.zh,
            salespersonId: customer?.salespersonId ?? null,
            branchId,
            customerId: t.customerId,
            recordingId,
            offsetMs: offsetOf.get(f.stepId) ?? null,
          })),
        },
      },
    );
    stored.push({ recordingId, bytes });
  });

  await applyPush(hq, { kind: 'seat', id: seatId, branchId }, { seatId, entries });
  for (const { recordingId, bytes } of stored) {
    const target = hq.recordings.localPath(seatId, recordingId);
    mkdirSync(dirname(target), { recursive: true });
    const file = `${target}.upload`;
    writeFileSync(file, bytes);
    await hq.recordings.put(seatId, recordingId, file);
    await hq.db.db
      .updateTable('recordings')
      .set({ stored_at: now.toISOString() })
      .where('id', '=', recordingId)
      .execute();
  }
  await setRecheckPlan(hq, { branchId, share: 0.2, period: 'month' }, admin.id);
  // This month and the last: early in a month most of the history still falls in the one before.
  const month = new Date(now.getTime() + 8 * 3_600_000).toISOString().slice(0, 7);
  const [y, m] = month.split('-').map(Number) as [number, number];
  const previous = new Date(Date.UTC(y, m - 2, 1)).toISOString().slice(0, 7);
  await sampleRechecks(hq, previous);
  await sampleRechecks(hq, month);
  return stored.length;
}
