/**
 * The supervisor workspace at a seat, against a real head-office process: a callback worked at the seat goes
 * home with its recording; the branch supervisor logs in at the seat (and, through it, at head office), finds
 * the callback by the customer's ID number, opens it with its timeline markers, streams the playback copy
 * through the seat's web host with Range requests, downloads the original with its hash verified; head office's
 * audit names each action, the user and the seat. Head-office staff the seat does not know log in online only;
 * agents get no workspace; with head office gone the supervisor still logs in, and the workspace says why it
 * cannot work.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessBridge } from '../../electron/seat/in-process';
import { BRANCH, PASSWORD } from '../support/fixtures';
import { invoke, startReviewScene } from '../support/review-scene';

const chinaMonth = (instant: string) =>
  new Date(Date.parse(instant) + 8 * 3_600_000).toISOString().slice(0, 7);

describe('the supervisor workspace at a seat, against a head-office process', () => {
  let scene: Awaited<ReturnType<typeof startReviewScene>>;

  beforeAll(async () => {
    scene = await startReviewScene({ seconds: 20, spacingMs: 100 });
  }, 120_000);

  afterAll(async () => {
    await scene?.close();
  });

  it('finds, opens with its markers, streams through the seat’s host and downloads a callback; head office audits each, naming the seat', async () => {
    const supervisor = inProcessBridge(scene.seat);
    const session = await invoke(supervisor, 'session.login', { agentCode: 'SH01', password: PASSWORD });
    expect(session).toMatchObject({ role: 'supervisor', online: true, local: true });

    const page = await invoke(supervisor, 'review.search', { idNumber: scene.seeded.idNumbers[0] });
    expect(page.items.map((i) => i.id)).toEqual([scene.done.resultId]);
    expect(page.items[0]?.idNumberMasked).not.toBe(scene.seeded.idNumbers[0]);
    expect(page.items[0]).toMatchObject({ agentCode: 'A001', purposes: ['notification'] });

    const detail = await invoke(supervisor, 'review.result', { resultId: scene.done.resultId });
    expect(detail.recording?.sha256).toBe(scene.done.sha256);
    // Every answer is a marker at its moment, with its step from the script the call used.
    expect(detail.markers.map((m) => m.offsetMs)).toEqual(detail.answers.map((a) => a.offsetMs));
    const disclosure = detail.markers.find((m) => m.kind === 'disclosure');
    expect(disclosure?.label?.zh).toMatch(/风险|提示|告知/);
    expect(detail.markers[0]).toMatchObject({ kind: 'identity', stepId: 'identity' });

    const playback = await invoke(supervisor, 'review.playback', { recordingId: scene.done.recordingId });
    expect(playback.url).toMatch(/^\/hq-playback\/[A-Za-z0-9_-]{43}$/);
    expect(playback.originalSha256).toBe(scene.done.sha256);
    expect(Math.abs(playback.durationMs - 20_000)).toBeLessThan(100);
    // Through the seat's own host, as the console's player asks: the whole copy, then a range of it.
    const whole = await fetch(`${scene.host.origin}${playback.url}`);
    expect(whole.status).toBe(200);
    const bytes = Buffer.from(await whole.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(playback.sha256);
    const part = await fetch(`${scene.host.origin}${playback.url}`, {
      headers: { range: 'bytes=1000-1999' },
    });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 1000-1999/${playback.sizeBytes}`);
    expect(Buffer.compare(Buffer.from(await part.arrayBuffer()), bytes.subarray(1000, 2000))).toBe(0);
    expect((await fetch(`${scene.host.origin}/hq-playback/${'B'.repeat(43)}`)).status).toBe(403);

    const download = await invoke(supervisor, 'review.download', { recordingId: scene.done.recordingId });
    expect(download).toMatchObject({
      sha256: scene.done.sha256,
      expectedSha256: scene.done.sha256,
      verified: true,
    });
    expect(createHash('sha256').update(readFileSync(download.path)).digest('hex')).toBe(scene.done.sha256);

    const seatId = scene.seat.store.seat()?.id;
    const entries = await scene.withHqStopped((db) =>
      db
        .selectFrom('audit')
        .innerJoin('users', 'users.id', 'audit.user_id')
        .select(['audit.action', 'audit.entity_id', 'audit.seat_id'])
        .where('users.code', '=', 'SH01')
        .where('audit.action', 'like', 'hq.%')
        .orderBy('audit.at')
        .execute(),
    );
    expect(entries.map((e) => [e.action, e.seat_id])).toEqual(
      expect.arrayContaining([
        ['hq.login', seatId],
        ['hq.search', seatId],
        ['hq.result_view', seatId],
        ['hq.recording_playback', seatId],
        ['hq.recording_download', seatId],
      ]),
    );
    expect(entries.find((e) => e.action === 'hq.recording_download')?.entity_id).toBe(scene.done.recordingId);
  }, 120_000);

  it('lets head-office staff the seat does not know log in online, and gives an agent no workspace', async () => {
    const reviewer = inProcessBridge(scene.seat);
    const session = await invoke(reviewer, 'session.login', { agentCode: 'RV01', password: PASSWORD });
    expect(session).toMatchObject({ role: 'reviewer', branchId: null, online: true, local: false });
    expect((await invoke(reviewer, 'review.search', {})).items.map((i) => i.id)).toContain(
      scene.done.resultId,
    );

    const wrong = await reviewer.invoke('session.login', { agentCode: 'RV01', password: 'not-it' });
    expect(wrong.ok === false && wrong.error).toMatchObject({ code: 'WRONG_CREDENTIALS' });

    const agent = inProcessBridge(scene.seat);
    await invoke(agent, 'session.login', { agentCode: 'A001', password: PASSWORD });
    const refused = await agent.invoke('review.search', {});
    expect(refused.ok === false && refused.error.code).toBe('FORBIDDEN');
  }, 60_000);

  it('with head office gone: the branch supervisor still logs in at the seat, and the workspace says why it waits', async () => {
    await scene.stopHq();
    try {
      const supervisor = inProcessBridge(scene.seat);
      const session = await invoke(supervisor, 'session.login', { agentCode: 'SH01', password: PASSWORD });
      expect(session).toMatchObject({ online: false, local: true });
      const search = await supervisor.invoke('review.search', {});
      expect(search.ok === false && search.error).toEqual({
        code: 'HQ_UNAVAILABLE',
        message: '未登录总部：登录时总部无法连接，请在总部在线时重新登录',
      });
      const stranger = await supervisor.invoke('session.login', { agentCode: 'RV01', password: PASSWORD });
      expect(stranger.ok === false && stranger.error.code).toBe('HQ_UNAVAILABLE');
    } finally {
      await scene.startHq();
    }
  }, 60_000);

  it('runs the re-check through the seat: plan, sample, verdict with a follow-up, report and its export', async () => {
    const admin = inProcessBridge(scene.seat);
    expect(await invoke(admin, 'session.login', { agentCode: 'HQ01', password: PASSWORD })).toMatchObject({
      role: 'admin',
      local: false,
    });
    await invoke(admin, 'review.setPlan', { branchId: BRANCH.branchId, share: 1, period: 'month' });
    expect((await invoke(admin, 'review.plans', {})).items).toEqual([
      { branchId: BRANCH.branchId, share: 1, period: 'month' },
    ]);
    // The month of the callback by the seat's clock (China time), whatever the day the test runs.
    const month = chinaMonth(scene.done.committedAt);
    const sampled = await invoke(admin, 'review.sample', { periodKey: month });
    expect(sampled.branches).toEqual([
      { branchId: BRANCH.branchId, candidates: 1, target: 1, added: 1, total: 1 },
    ]);

    const reviewer = inProcessBridge(scene.seat);
    await invoke(reviewer, 'session.login', { agentCode: 'RV01', password: PASSWORD });
    const mine = await invoke(reviewer, 'review.rechecks', { mine: 'true', status: 'open' });
    expect(mine.items.map((i) => [i.resultId, i.status])).toEqual([[scene.done.resultId, 'open']]);
    const recheckId = mine.items[0]?.id as string;
    const form = await invoke(reviewer, 'review.recheckForm', {});
    const incomplete = await reviewer.invoke('review.evaluate', {
      recheckId,
      formId: form.id,
      formVersion: form.version,
      items: [],
    });
    expect(incomplete.ok === false && incomplete.error).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('还有评分项未评'),
    });
    const verdict = await invoke(reviewer, 'review.evaluate', {
      recheckId,
      formId: form.id,
      formVersion: form.version,
      items: form.criteria.map((c) => ({ criterionId: c.id, passed: c.id !== 'identity' })),
      comments: [{ atMs: 1500, text: '未先核实身份即谈及账户' }],
      followUp: true,
    });
    expect(verdict).toMatchObject({ passed: false, failedCritical: ['identity'] });
    expect(verdict.followUpTaskId).toMatch(/^[0-9a-f-]{36}$/);
    const again = await reviewer.invoke('review.evaluate', {
      recheckId,
      formId: form.id,
      formVersion: form.version,
      items: form.criteria.map((c) => ({ criterionId: c.id, passed: true })),
    });
    expect(again.ok === false && again.error.code).toBe('CONFLICT');

    // From the month the task was created in (the coverage counts it there) to tomorrow.
    const range = {
      from: `${chinaMonth(scene.seeded.createdAt)}-01T00:00:00+08:00`,
      to: new Date(Date.now() + 86_400_000).toISOString(),
    };
    const report = await invoke(reviewer, 'review.report', range);
    expect(
      report.coverage.find((c) => c.branchId === BRANCH.branchId && c.type === 'notification'),
    ).toMatchObject({
      completed: 1,
    });
    expect(report.rechecks).toEqual([
      {
        branchId: BRANCH.branchId,
        sampled: 1,
        evaluated: 1,
        passed: 0,
        failed: 1,
        averageScore: expect.any(Number),
      },
    ]);
    const saved = await invoke(reviewer, 'review.export', { ...range, format: 'xlsx' });
    expect(saved.path.endsWith('.xlsx')).toBe(true);
    expect(createHash('sha256').update(readFileSync(saved.path)).digest('hex')).toBe(saved.sha256);
    expect(readFileSync(saved.path).subarray(0, 2).toString()).toBe('PK');
  }, 60_000);
});
