import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import {
  type Connection,
  type ErrorCode,
  type LoginLock,
  SeatError,
  type SessionInfo,
} from '../../shared/contract';
import {
  type EvaluateArgs,
  EvaluationForm,
  EvaluationResult,
  type ExportArgs,
  type FindingActArgs,
  type FindingsArgs,
  FindingsPage,
  type LegalHoldRequest,
  PLAYBACK_PATH,
  PlaybackGrant,
  type RaiseFinding,
  type RecheckArgs,
  RecheckList,
  RecheckPlan,
  RecordingRetention,
  Report,
  type ReportArgs,
  ReviewDetail,
  type ReviewDownload,
  type ReviewMarker,
  ReviewPage,
  type ReviewPlayback,
  type ReviewResult,
  type ReviewSearchArgs,
  SampleReport,
  type SavedFile,
  SEAT_PLAYBACK_ROUTE,
  StaffList,
  Watch,
  type WatchQuery,
} from '../../shared/contract/review';
import type { LoginResponse } from '../../shared/contract/sync';
import { TrainingPage, type TrainingQuery } from '../../shared/contract/training';
import { CallbackType } from '../../shared/domain/callback-types';
import { textFiller } from '../../shared/scripts/context';
import type { Script } from '../../shared/scripts/schema';
import { acceptOnline, assertNotLocked, login, MAX_FAILED_LOGINS, refuseOnline } from './auth/login';
import type { Db } from './store/database';
import { currentScripts } from './store/scripts';
import type { SeatStore } from './store/seat-store';
import { HqClient, HqRefused, HqUnreachable } from './sync/hq-client';

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** Head office's refusals by HTTP status, as the console's error codes (others: BAD_REQUEST). */
const REFUSALS: Partial<Record<number, ErrorCode>> = {
  401: 'NOT_AUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  410: 'NOT_FOUND',
};

/** Head office's answer to a login it refused, as the seat's error: its message, a code the UI acts on. */
function loginRefusal(error: HqRefused): SeatError {
  const code: ErrorCode =
    error.body.code === 'PASSWORD_CHANGE_REQUIRED'
      ? 'PASSWORD_CHANGE_REQUIRED'
      : error.status === 429 || error.status === 423
        ? 'LOCKED_OUT'
        : error.status === 401
          ? 'WRONG_CREDENTIALS'
          : (REFUSALS[error.status] ?? 'BAD_REQUEST');
  return new SeatError(code, error.message, { cause: error });
}

/** Lifting lockouts is a supervisor's or an administrator's. */
function mayLift(session: SessionInfo): void {
  if (session.role !== 'supervisor' && session.role !== 'admin') {
    throw new SeatError('FORBIDDEN', '只有主管或管理员可以查看和解除登录锁定');
  }
}

const HqLocks = z.object({
  locks: z.array(
    z.object({
      key: z.string(),
      userCode: z.string().nullable(),
      userName: z.string().nullable(),
      failures: z.number(),
      blockedUntil: z.string().nullable(),
      lockedAt: z.string().nullable(),
    }),
  ),
});

/** A step's text as a reviewer reads it in a list: placeholders in general words, no customer's name. */
const NEUTRAL = textFiller({
  customerSurname: '',
  customerSex: 'unknown',
  branchName: '本营业部',
  salespersonName: null,
  openedDate: null,
  agentCode: '（工号）',
});

/**
 * The supervisor workspace at a seat: supervisors, reviewers, compliance and administrators log in here as at
 * any seat, and the seat also logs them in at head office (from this seat, so head office's audit names it).
 * Their head-office session stays on this side, per connection; the console only ever sees what the
 * contract's `review.*` methods return. Head office decides what each may see (branch or all) and audits it.
 */
export class Review {
  readonly #sessions = new WeakMap<Connection, string>();

  constructor(
    private readonly store: SeatStore,
    /** Where downloaded originals are saved. */
    private readonly downloadsDir: string,
  ) {}

  /**
   * Logs in on this connection. An enrolled seat asks head office first, for everyone: a right password gives
   * a known agent a fresh offline verifier at this seat (auth/login.ts), a wrong one (401) removes it; the seat
   * checks its own verifier only when head office cannot be reached, or the seat is not enrolled. A supervising
   * role keeps its head-office session for the workspace; someone the seat does not know (head-office staff)
   * can only log in online. The seat's lockout applies either way.
   */
  async login(conn: Connection, code: string, password: string): Promise<SessionInfo> {
    this.#sessions.delete(conn);
    const agent = this.store.agentByCode(code);
    assertNotLocked(this.store, agent);
    const config = this.store.syncConfig();
    if (!config) return login(this.store, code, password);
    let answer: LoginResponse;
    try {
      answer = await new HqClient(config, { seatToken: config.token }).login(code, password);
    } catch (error) {
      // Head office out of reach (not a refusal): the seat's own work goes on, the workspace waits.
      if (error instanceof HqUnreachable) {
        if (agent) return login(this.store, code, password);
        throw new SeatError('HQ_UNAVAILABLE', '总部无法连接：本坐席没有该工号，总部人员须在总部在线时登录');
      }
      if (error instanceof HqRefused && error.status === 401) refuseOnline(this.store, agent, code);
      // Head office's own throttling or lockout: its answer stands, the local verifier is no way around it.
      if (error instanceof HqRefused) throw loginRefusal(error);
      throw error;
    }
    const role = answer.user.role as SessionInfo['role'];
    const local = agent?.id === answer.user.id ? agent : undefined;
    if (!local && role === 'agent') {
      throw new SeatError('WRONG_CREDENTIALS', '该坐席员尚未同步到本坐席，请稍后再试或联系主管');
    }
    const keep = () => role !== 'agent' && this.#sessions.set(conn, answer.token);
    if (local) {
      const session = await acceptOnline(this.store, local, password);
      keep();
      return session;
    }
    keep();
    const seat = this.store.seat();
    if (!seat) throw new SeatError('STORE_UNAVAILABLE', '坐席尚未初始化（缺少坐席编号）');
    this.store.audit({
      agentId: answer.user.id,
      action: 'session.login',
      entityType: 'agent',
      entityId: answer.user.id,
      detail: { at: 'hq', role },
    });
    return {
      agentId: answer.user.id,
      agentCode: answer.user.code,
      name: answer.user.name,
      role,
      branchId: answer.user.branchId,
      seatId: seat.id,
      online: true,
      local: false,
    };
  }

  /** A reloaded page resumed its session on a new connection (`session.resume`): its head-office one goes along. */
  handOver(from: Connection, to: Connection): void {
    const token = this.#sessions.get(from);
    this.#sessions.delete(from);
    if (token !== undefined) this.#sessions.set(to, token);
  }

  /**
   * Ends the connection's head-office session too (#14): head office forgets the token at once rather than
   * at its idle timeout. Not awaited by the seat's logout: head office out of reach leaves the token to its
   * timeout, and the agent is logged out here either way.
   */
  logout(conn: Connection): Promise<void> {
    const token = this.#sessions.get(conn);
    this.#sessions.delete(conn);
    const config = this.store.syncConfig();
    if (!token || !config) return Promise.resolve();
    return new HqClient(config, { userToken: token }).post('/api/logout', z.object({}), {}).then(
      () => undefined,
      () => undefined,
    );
  }

  /**
   * A head-office password change, proving the old password (head office throttles it as a login). The
   * agent's offline verifier here goes with the old password; the next online login makes a new one.
   */
  async changePassword(code: string, password: string, newPassword: string): Promise<Record<string, never>> {
    const config = this.store.syncConfig();
    if (!config) throw new SeatError('HQ_UNAVAILABLE', '本坐席尚未登记到总部：密码须在总部修改');
    try {
      await new HqClient(config, { seatToken: config.token }).post('/api/password', z.object({}), {
        code,
        password,
        newPassword,
      });
    } catch (error) {
      if (error instanceof HqUnreachable) {
        throw new SeatError('HQ_UNAVAILABLE', '总部无法连接：修改密码须在总部在线时进行', { cause: error });
      }
      if (error instanceof HqRefused) throw loginRefusal(error);
      throw error;
    }
    const agent = this.store.agentByCode(code);
    if (agent) this.store.removeOfflineVerifier(agent.id);
    this.store.audit({
      agentId: agent?.id ?? null,
      action: 'session.password_change',
      entityType: 'agent',
      entityId: agent?.id ?? '（总部用户）',
      detail: { at: 'hq' },
    });
    return {};
  }

  /**
   * Lockouts now in force (supervisors and administrators): this seat's own (its agents after five wrong
   * passwords), and head office's when the user is logged in there (a branch supervisor sees the branch's).
   */
  async lockouts(conn: Connection, session: SessionInfo): Promise<{ items: LoginLock[] }> {
    mayLift(session);
    const items: LoginLock[] = this.store.lockedAgents().map((a) => ({
      scope: 'seat',
      key: a.id,
      userCode: a.code,
      userName: a.name,
      failures: MAX_FAILED_LOGINS,
      locked: false,
      until: a.lockedUntil,
    }));
    if (this.#sessions.has(conn)) {
      const { locks } = await this.#hq(conn, (hq) => hq.get('/api/login-locks', HqLocks));
      for (const l of locks) {
        items.push({
          scope: 'hq',
          key: l.key,
          userCode: l.userCode,
          userName: l.userName,
          failures: l.failures,
          locked: l.lockedAt !== null,
          until: l.lockedAt ? null : l.blockedUntil,
        });
      }
    }
    return { items };
  }

  /** Lifts a lockout: this seat's (supervisors, administrators), head office's (administrators; it checks). */
  async unlock(
    conn: Connection,
    session: SessionInfo,
    target: { scope: 'seat' | 'hq'; key: string },
  ): Promise<Record<string, never>> {
    mayLift(session);
    if (target.scope === 'hq') {
      await this.#hq(conn, (hq) => hq.post('/api/login-locks/lift', z.object({}), { key: target.key }));
      this.store.audit({
        agentId: session.agentId,
        action: 'session.unlock',
        entityType: 'login_lock',
        entityId: target.key.startsWith('code:') ? target.key : 'hq',
        detail: { at: 'hq' },
      });
      return {};
    }
    if (!this.store.unlockAgent(target.key, session.agentId)) {
      throw new SeatError('NOT_FOUND', '该工号在本坐席没有被锁定');
    }
    return {};
  }

  async search(conn: Connection, query: z.output<typeof ReviewSearchArgs>) {
    return this.#hq(conn, (hq) => hq.get('/api/results', ReviewPage, query));
  }

  async result(conn: Connection, resultId: string): Promise<ReviewResult> {
    const detail = await this.#hq(conn, (hq) => hq.get(`/api/results/${resultId}`, ReviewDetail));
    return { ...detail, markers: this.#markers(detail) };
  }

  async playback(conn: Connection, recordingId: string): Promise<ReviewPlayback> {
    const { path, ...grant } = await this.#hq(conn, (hq) =>
      hq.post(`/api/recordings/${recordingId}/playback`, PlaybackGrant, {}),
    );
    if (!path.startsWith(PLAYBACK_PATH)) throw new SeatError('INTERNAL', '总部返回的回放地址无效');
    return { ...grant, url: `${SEAT_PLAYBACK_ROUTE}${path.slice(PLAYBACK_PATH.length)}` };
  }

  /** Saves the original under the downloads folder; a file whose hash does not match is deleted, not kept. */
  async download(conn: Connection, recordingId: string): Promise<ReviewDownload> {
    mkdirSync(this.downloadsDir, { recursive: true });
    const path = join(this.downloadsDir, `${recordingId}.webm`);
    const got = await this.#hq(conn, (hq) => hq.download(`/api/recordings/${recordingId}/original`, path));
    // The hash recorded at the seat, as head office holds it.
    const expectedSha256 = got.headers.get('x-recording-sha256') ?? '';
    if (!expectedSha256 || got.sha256 !== expectedSha256) {
      rmSync(path, { force: true });
      throw new SeatError(
        'CONFLICT',
        `下载的录音与坐席记录的 SHA-256 不一致（${got.sha256.slice(0, 12)}…），已删除，请重新下载并报告管理员`,
      );
    }
    return {
      path,
      sizeBytes: got.sizeBytes,
      sha256: got.sha256,
      expectedSha256,
      verified: true,
    };
  }

  hold(conn: Connection, recordingId: string, hold: LegalHoldRequest) {
    return this.#hq(conn, (hq) => hq.post(`/api/recordings/${recordingId}/hold`, RecordingRetention, hold));
  }

  raiseFinding(conn: Connection, resultId: string, raise: RaiseFinding) {
    return this.#hq(conn, (hq) =>
      hq.post(`/api/results/${resultId}/findings`, z.object({ id: z.string() }), raise),
    );
  }

  watch(conn: Connection, q: WatchQuery) {
    return this.#hq(conn, (hq) => hq.get('/api/watch', Watch, q));
  }

  rechecks(conn: Connection, q: z.output<typeof RecheckArgs>) {
    return this.#hq(conn, (hq) => hq.get('/api/rechecks', RecheckList, q));
  }

  recheckForm(conn: Connection) {
    return this.#hq(conn, (hq) => hq.get('/api/recheck/form', EvaluationForm));
  }

  evaluate(conn: Connection, { recheckId, ...verdict }: z.output<typeof EvaluateArgs>) {
    return this.#hq(conn, (hq) =>
      hq.post(`/api/rechecks/${recheckId}/evaluation`, EvaluationResult, verdict),
    );
  }

  plans(conn: Connection) {
    return this.#hq(conn, (hq) => hq.get('/api/recheck/plans', z.object({ items: z.array(RecheckPlan) })));
  }

  setPlan(conn: Connection, { branchId, ...plan }: RecheckPlan) {
    return this.#hq(conn, (hq) =>
      hq.put(`/api/recheck/plans/${encodeURIComponent(branchId)}`, RecheckPlan, plan),
    );
  }

  sample(conn: Connection, periodKey: string) {
    return this.#hq(conn, (hq) => hq.post('/api/rechecks/sample', SampleReport, { periodKey }));
  }

  findings(conn: Connection, q: z.output<typeof FindingsArgs>) {
    return this.#hq(conn, (hq) => hq.get('/api/findings', FindingsPage, q));
  }

  findingAct(conn: Connection, { findingId, ...act }: z.output<typeof FindingActArgs>) {
    return this.#hq(conn, (hq) => hq.post(`/api/findings/${findingId}/actions`, z.object({}), act));
  }

  staff(conn: Connection) {
    return this.#hq(conn, (hq) => hq.get('/api/staff', StaffList));
  }

  /**
   * The training view (演练记录): trainees' practice calls, never evidence, as head office keeps them apart
   * from reports and re-checks; head office decides whose (a branch supervisor: the branch's).
   */
  training(conn: Connection, q: z.output<typeof TrainingQuery>) {
    return this.#hq(conn, (hq) => hq.get('/api/training', TrainingPage, q));
  }

  report(conn: Connection, q: z.output<typeof ReportArgs>) {
    return this.#hq(conn, (hq) => hq.get('/api/reports', Report, q));
  }

  /** A report exported by head office, saved under the downloads folder. */
  async export(conn: Connection, q: z.output<typeof ExportArgs>): Promise<SavedFile> {
    mkdirSync(this.downloadsDir, { recursive: true });
    const day = new Date(Date.parse(q.from) + 8 * 3_600_000).toISOString().slice(0, 10); // China's date
    const name = `回访报表-${day}${q.format === 'csv' ? `-${q.section}` : ''}.${q.format}`;
    const path = join(this.downloadsDir, name);
    const params = new URLSearchParams({ from: q.from, to: q.to, format: q.format, section: q.section });
    if (q.branchId) params.set('branchId', q.branchId);
    const got = await this.#hq(conn, (hq) => hq.download(`/api/reports/export?${params}`, path));
    return { path, sizeBytes: got.sizeBytes, sha256: got.sha256 };
  }

  /**
   * The stream of a playback grant, from head office, for the seat's own host (`/hq-playback/<token>`): the
   * token is the grant, so this needs no session; the player's Range goes through, and the answer comes back
   * as it is (206 with its Content-Range).
   */
  async stream(token: string, range: string | null): Promise<Response> {
    const config = this.store.syncConfig();
    if (!TOKEN.test(token) || !config) return new Response('未找到\n', { status: 404 });
    try {
      return await new HqClient(config).stream(`${PLAYBACK_PATH}${token}`, range);
    } catch {
      return new Response('总部无法连接\n', { status: 502 });
    }
  }

  #client(conn: Connection): HqClient {
    const token = this.#sessions.get(conn);
    const config = this.store.syncConfig();
    if (!token || !config) {
      throw new SeatError(
        'HQ_UNAVAILABLE',
        config
          ? '未登录总部：登录时总部无法连接，请在总部在线时重新登录'
          : '本坐席尚未登记到总部，复核工作台无法使用',
      );
    }
    return new HqClient(config, { userToken: token });
  }

  /**
   * A request to head office with the connection's session; its refusals and absence become the console's
   * errors (Chinese, head office's own sentence where it gave one).
   */
  async #hq<T>(conn: Connection, request: (hq: HqClient) => Promise<T>): Promise<T> {
    try {
      return await request(this.#client(conn));
    } catch (error) {
      if (error instanceof HqUnreachable)
        throw new SeatError('HQ_UNAVAILABLE', error.message, { cause: error });
      if (error instanceof HqRefused) {
        throw new SeatError(REFUSALS[error.status] ?? 'BAD_REQUEST', error.message, { cause: error });
      }
      throw error;
    }
  }

  /** Each answer's moment with the step it answers, from the script version the call used. */
  #markers(detail: ReviewDetail): ReviewMarker[] {
    const scripts = new Map(
      detail.purposes.map((p) => [p.purpose, this.store.script(p.scriptId, p.scriptVersion)]),
    );
    // A call cut short (the customer hung up, asked to be called later) has answers but no purpose outcomes,
    // so no script version: the seat's newest script of each purpose names its steps then.
    const newest = (purpose: string) => {
      if (!scripts.has(purpose)) scripts.set(purpose, newestScript(this.store.db, purpose));
      return scripts.get(purpose);
    };
    return detail.answers.map((a) => {
      const step = a.purposes
        .map((p) => newest(p)?.steps.find((s) => s.id === a.stepId))
        .find((s) => s !== undefined);
      return {
        offsetMs: a.offsetMs,
        stepId: a.stepId,
        kind: step?.kind ?? 'unknown',
        label: step ? NEUTRAL(step.text) : null,
        purposes: a.purposes,
        value: a.value,
      };
    });
  }
}

/** What a player needs of head office's answer, passed on by the seat's hosts: nothing else crosses. */
export function playbackHeaders(upstream: Response): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of [
    'content-type',
    'content-length',
    'content-range',
    'accept-ranges',
    'etag',
    'last-modified',
  ]) {
    const value = upstream.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  headers['cache-control'] = 'private, no-store';
  return headers;
}

/** The seat's newest script of a callback type, or null (an unknown type, or none held). */
function newestScript(db: Db, purpose: string): Script | null {
  const type = CallbackType.safeParse(purpose);
  if (!type.success) return null;
  try {
    return currentScripts(db, [type.data])[0] ?? null;
  } catch {
    return null;
  }
}
