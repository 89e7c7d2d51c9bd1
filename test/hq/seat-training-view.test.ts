/**
 * The training view through a seat (`review.training`), against a real head-office process: trainee A001's
 * practice calls on the training line (one walked through with the finding the persona gives cause for, one
 * cut short with that finding missed, one to a busy customer) go home like any call; the branch supervisor,
 * logged in at the seat, lists them newest first with their completeness and recordings, by trainee and page
 * by page, opens one with its markers and plays it. They never show among the callbacks (not evidence); an
 * agent gets no training view.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessBridge } from '../../electron/seat/in-process';
import { PASSWORD } from '../support/fixtures';
import { invoke } from '../support/review-scene';
import { startTrainingScene } from '../support/training-scene';

const SECONDS = 30;

describe('the training view at a seat, against a head-office process', () => {
  let scene: Awaited<ReturnType<typeof startTrainingScene>>;

  beforeAll(async () => {
    scene = await startTrainingScene({ seconds: SECONDS, spacingMs: 1000 });
  }, 120_000);

  afterAll(async () => {
    await scene?.close();
  });

  it('lists the practice calls newest first with their completeness, as the contract says', async () => {
    const supervisor = inProcessBridge(scene.seat);
    await invoke(supervisor, 'session.login', { agentCode: 'SH01', password: PASSWORD });
    const page = await invoke(supervisor, 'review.training', {});
    const { right, missed, busy } = scene.calls;
    expect(page.items.map((i) => i.attemptId)).toEqual([busy.attemptId, missed.attemptId, right.attemptId]);
    expect(page.next).toBeNull();
    const [b, m, r] = page.items;

    // Walked through, the finding raised where the customer gave cause.
    expect(r).toMatchObject({
      agentCode: 'A001',
      agentName: '李静',
      personaId: 'misconduct',
      personaVersion: 1,
      attemptOutcome: 'answered',
      sipCode: 200,
      resultId: right.resultId,
      resultOutcome: 'completed',
      recordingId: right.recordingId,
      findingsCorrect: true,
    });
    expect(Math.abs((r?.durationMs ?? 0) - SECONDS * 1000)).toBeLessThan(100);
    const rc = r?.completeness;
    expect(rc?.stepsTotal).toBeGreaterThan(10);
    expect(rc?.stepsDone).toBe(rc?.stepsTotal);
    expect(rc?.disclosuresTotal).toBeGreaterThan(0);
    expect(rc?.disclosuresConfirmed).toBe(rc?.disclosuresTotal);
    expect(rc?.findingsExpected).toEqual(['conduct.promised_returns']);
    expect(rc?.findingsRaised).toEqual(['conduct.promised_returns']);

    // Cut short before the risk disclosure at the end, "no" where the customer had said promised returns.
    expect(m).toMatchObject({ resultId: missed.resultId, resultOutcome: 'refused', findingsCorrect: false });
    const mc = m?.completeness;
    expect(mc?.findingsExpected).toEqual(['conduct.promised_returns']);
    expect(mc?.findingsRaised).toEqual([]);
    expect(mc?.stepsDone).toBeLessThan(mc?.stepsTotal ?? 0);
    expect(mc?.disclosuresConfirmed).toBeLessThan(mc?.disclosuresTotal ?? 0);

    // Busy: no recording, no result, nothing to be complete about.
    expect(b).toMatchObject({
      personaId: 'busy',
      attemptOutcome: 'busy',
      sipCode: 486,
      resultId: null,
      resultOutcome: null,
      completeness: null,
      findingsCorrect: null,
      recordingId: null,
    });
  }, 60_000);

  it('filters by trainee and pages by its keyset', async () => {
    const supervisor = inProcessBridge(scene.seat);
    await invoke(supervisor, 'session.login', { agentCode: 'SH01', password: PASSWORD });
    const all = [scene.calls.busy, scene.calls.missed, scene.calls.right].map((c) => c.attemptId);
    expect(
      (await invoke(supervisor, 'review.training', { agentCode: 'A001' })).items.map((i) => i.attemptId),
    ).toEqual(all);
    expect((await invoke(supervisor, 'review.training', { agentCode: 'A002' })).items).toEqual([]);
    const first = await invoke(supervisor, 'review.training', { limit: 2 });
    expect(first.items.map((i) => i.attemptId)).toEqual(all.slice(0, 2));
    expect(first.next).toEqual(expect.any(String));
    const second = await invoke(supervisor, 'review.training', { limit: 2, before: first.next });
    expect(second.items.map((i) => i.attemptId)).toEqual(all.slice(2));
    expect(second.next).toBeNull();
    // A page position the contract cannot read is refused at the seat, in Chinese.
    const bad = await supervisor.invoke('review.training', { before: 'nope' });
    expect(bad.ok === false && bad.error).toMatchObject({ code: 'BAD_REQUEST' });
  }, 60_000);

  it('opens a practice call with its markers and plays it; it is never among the callbacks', async () => {
    const supervisor = inProcessBridge(scene.seat);
    await invoke(supervisor, 'session.login', { agentCode: 'SH01', password: PASSWORD });
    const { right } = scene.calls;
    const detail = await invoke(supervisor, 'review.result', { resultId: right.resultId });
    expect(detail.markers.length).toBeGreaterThan(10);
    expect(detail.markers.map((mk) => mk.offsetMs)).toEqual(detail.answers.map((a) => a.offsetMs));
    expect(detail.markers.find((mk) => mk.stepId === 'conduct.promised_returns')).toMatchObject({
      kind: 'question',
      value: true,
    });
    // A call cut short has no purpose outcomes: its markers are still named, from the seat's newest scripts.
    const cut = await invoke(supervisor, 'review.result', { resultId: scene.calls.missed.resultId });
    expect(cut.purposes).toEqual([]);
    expect(cut.markers.length).toBeGreaterThan(5);
    expect(cut.markers.filter((mk) => mk.kind === 'unknown' || mk.label === null)).toEqual([]);
    expect(cut.markers.find((mk) => mk.stepId === 'identity')).toMatchObject({ kind: 'identity' });
    const playback = await invoke(supervisor, 'review.playback', { recordingId: right.recordingId });
    expect(playback.url).toMatch(/^\/hq-playback\/[A-Za-z0-9_-]{43}$/);
    expect((await fetch(`${scene.host.origin}${playback.url}`)).status).toBe(200);

    const callbacks = await invoke(supervisor, 'review.search', {});
    expect(callbacks.items.map((i) => i.id)).not.toContain(right.resultId);
    expect(callbacks.items.map((i) => i.id)).not.toContain(scene.calls.missed.resultId);
  }, 60_000);

  it('gives an agent no training view', async () => {
    const agent = inProcessBridge(scene.seat);
    await invoke(agent, 'session.login', { agentCode: 'A001', password: PASSWORD });
    const refused = await agent.invoke('review.training', {});
    expect(refused.ok === false && refused.error.code).toBe('FORBIDDEN');
  }, 30_000);
});
