import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import {
  type Connection,
  createDispatcher,
  customerSearch,
  type Dispatch,
  type EventName,
  type EventPayload,
  type Handlers,
  type MethodName,
  SeatError,
  type SessionInfo,
  type Settings,
  type TrainingLineInfo,
} from '../../shared/contract';
import type { Persona } from '../../shared/training/persona';
import { AgentStates, takesCalls } from './agent-state';
import { agentLanguage, languageInUse, saveAgentLanguage, seatLanguage } from './auth/language';
import { assertNotLocked } from './auth/login';
import { RESUME_GRACE_MS, ResumeTokens } from './auth/resume';
import { Recordings } from './recordings/recordings';
import { Review } from './review';
import { loadScriptFolders, type ScriptLoadReport } from './scripts/load';
import { appointmentsOf } from './store/appointments';
import { StoreOpenError } from './store/database';
import { checkAuditChain } from './store/journal';
import { SeatStore, type SeatStoreOptions } from './store/seat-store';
import {
  hqSetSettings,
  isManager,
  maskSetting,
  maskSettings,
  settingsRefusal,
  unmaskSetting,
} from './store/settings';
import { enrolSeat, isFirstRun } from './sync/enrol';
import { SeatSync, type SeatSyncOptions } from './sync/service';
import { loadPersonas, type PersonaLoadReport } from './training/personas';

/** How often the seat looks for 约定回拨 whose time has come (a reminder is at most this late). */
const APPOINTMENT_CHECK_MS = 15_000;
/** A seat session unused this long has ended; none lasts longer than SESSION_MAX_MS (see Seat.#expire). */
export const SESSION_IDLE_MS = 30 * 60_000;
export const SESSION_MAX_MS = 12 * 3600_000;

export interface SeatOptions extends SeatStoreOptions {
  /** The SQLite file; created on first start. */
  dbPath: string;
  appVersion: string;
  /** Where call recordings are written; default: `recordings/` beside the database. */
  recordingsDir?: string;
  /** Where defects are reported; never given personal data. */
  onDefect?: (method: string, error: unknown) => void;
  /** Timing of sync with head office (it starts with `startSync()`). */
  sync?: Pick<SeatSyncOptions, 'intervalMs' | 'maxBackoffMs'>;
  /** Where supervisors' downloaded recordings are saved; default: `downloads/` beside the database. */
  downloadsDir?: string;
  /** `npm start`'s demo: the login screen says the demo accounts share the published demo password. */
  demo?: boolean;
  /** How often due 约定回拨 are announced (default 15 s). */
  appointmentCheckMs?: number;
}

type Push = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

/** A connection the seat tracks so it can broadcast; `close()` forgets it. */
export interface SeatConnection extends Connection {
  close(): void;
}

const SQLITE_UNUSABLE = /^SQLITE_(CORRUPT|NOTADB|IOERR|CANTOPEN|READONLY)/;

/** The disk is full: SQLite's SQLITE_FULL (and its extended codes) or the file system's ENOSPC. */
export function isDiskFull(error: unknown): boolean {
  const code = String((error as { code?: unknown })?.code ?? '');
  return code === 'ENOSPC' || code.startsWith('SQLITE_FULL');
}

export const DISK_FULL_MESSAGE =
  '磁盘空间不足：本次内容未能保存，此前已保存的回访、录音和记录都还在。请清理本机磁盘后重试';

/**
 * The seat's main side in plain Node: the store, the contract's handlers and the connections (windows, tabs,
 * tests) that call them. Electron's IPC, the WebSocket host and the in-process bridge all use `dispatch`.
 */
export class Seat {
  readonly store: SeatStore;
  readonly recordings: Recordings;
  readonly dispatch: Dispatch;
  readonly #appVersion: string;
  readonly #demo: boolean;
  readonly #connections = new Set<SeatConnection>();
  /** Logins whose phone read its credentials already (`phone.credentials` is audited once per login). */
  readonly #credentialsRead = new WeakSet<SessionInfo>();
  /** The sessions a reloaded page may take back (`session.resume`; auth/resume.ts). */
  readonly #resume = new ResumeTokens<Connection>();
  readonly sync: SeatSync;
  /** The supervisor workspace, online against head office. */
  readonly review: Review;
  /** The agents' working states (就绪 / 通话中 / 话后处理 / 小休), see agent-state.ts. */
  readonly agents: AgentStates;
  /** 约定回拨 already announced (`appointments.due`) in this run, by result id; and the check's timer. */
  readonly #announced = new Set<string>();
  readonly #appointmentTimer: ReturnType<typeof setInterval>;
  /** The training line's customers (`loadPersonas`), and the folder of their voice clips. */
  #personas: Persona[] = [];
  #voicesDir: string | null = null;

  private constructor(store: SeatStore, options: SeatOptions) {
    this.store = store;
    this.#appVersion = options.appVersion;
    this.#demo = options.demo ?? false;
    const seatId = () => {
      const seat = store.seat();
      if (!seat) throw new SeatError('STORE_UNAVAILABLE', '坐席尚未初始化（缺少坐席编号）');
      return seat.id;
    };
    this.recordings = new Recordings(
      store.db,
      options.recordingsDir ?? join(dirname(options.dbPath), 'recordings'),
      seatId,
      () => store.now(),
    );
    // What a crash left open is closed before anyone works: recordings as `interrupted` (hashed, kept), and
    // dials that never ended.
    if (store.seat()) {
      this.recordings.recoverInterrupted();
      store.interruptOpenAttempts();
      // The audit chain is checked at every start: a broken link is said and recorded, and the seat starts.
      const seat = store.seat();
      if (seat) store.db.transaction(() => checkAuditChain(store.db, seat.id, store.now())).immediate();
    }
    this.sync = new SeatSync(store, {
      ...options.sync,
      onStatus: (status) => this.broadcast('sync.changed', status),
      onTasks: (taskIds) => this.broadcast('worklist.changed', { taskIds }),
      onOutbox: () => this.broadcast('outbox.changed', store.outboxStatus()),
    });
    this.review = new Review(store, options.downloadsDir ?? join(dirname(options.dbPath), 'downloads'));
    this.#appointmentTimer = setInterval(
      () => this.#announceAppointments(),
      options.appointmentCheckMs ?? APPOINTMENT_CHECK_MS,
    );
    this.#appointmentTimer.unref?.();
    this.agents = new AgentStates({
      now: () => store.now(),
      settings: () => {
        const s = store.settings();
        return { breakReasons: s['agent.breakReasons'], afterCallWorkSec: s['agent.afterCallWorkSec'] };
      },
      audit: (agentId, detail) =>
        store.audit({ agentId, action: 'agent.state', entityType: 'agent', entityId: agentId, detail }),
      changed: (agentId, status) => {
        for (const conn of this.#connections) {
          if (conn.session?.agentId === agentId) conn.push('agent.changed', status);
        }
        this.#outboxChanged();
      },
    });
    const onDefect =
      options.onDefect ?? ((method, error) => console.error(`seat: defect in ${method}`, error));
    const dispatch = createDispatcher(this.#guard(this.#handlers()), onDefect);
    this.dispatch = (conn, method, args) => {
      this.#expire(conn);
      return dispatch(conn, method, args);
    };
  }

  /** When each connection's session began and was last used (the seat's clock, ms). */
  readonly #activity = new WeakMap<Connection, { since: number; last: number }>();

  /**
   * A seat session ends after SESSION_IDLE_MS without a call from its page, and SESSION_MAX_MS after its login
   * (#14): a seat left logged in is not an open door. Ended before the call it would have answered: audited,
   * its head-office session ended, the page told (it shows the login). What was saved stays saved (drafts,
   * recordings); the next login picks it up.
   */
  #expire(conn: Connection): void {
    const now = Date.parse(this.store.now());
    const seen = this.#activity.get(conn);
    if (!conn.session) {
      this.#activity.delete(conn);
      return;
    }
    if (!seen || seen.since > now) {
      this.#activity.set(conn, { since: now, last: now });
      return;
    }
    if (now - seen.last < SESSION_IDLE_MS && now - seen.since < SESSION_MAX_MS) {
      seen.last = now;
      return;
    }
    const session = conn.session;
    this.store.audit({
      agentId: session.agentId,
      action: 'session.expired',
      entityType: 'agent',
      entityId: session.agentId,
      detail: { idle: now - seen.last >= SESSION_IDLE_MS },
    });
    conn.session = null;
    this.#activity.delete(conn);
    this.#resume.revoke(conn);
    this.agents.loggedOut(session.agentId);
    void this.review.logout(conn);
    conn.push('session.changed', null);
    this.#outboxChanged();
  }

  /** The seat on its store; a seat that cannot start releases the store (and its exclusive lock) again. */
  static open(options: SeatOptions): Seat {
    let store: SeatStore | null = null;
    try {
      store = SeatStore.open(options.dbPath, options);
      return new Seat(store, options);
    } catch (error) {
      store?.close();
      if (isDiskFull(error)) {
        throw new StoreOpenError('DISK_FULL', `坐席无法启动：${DISK_FULL_MESSAGE}`, { cause: error });
      }
      throw error;
    }
  }

  connect(push: Push): SeatConnection {
    const connections = this.#connections;
    const resume = this.#resume;
    const store = this.store;
    const agents = this.agents;
    const conn: SeatConnection = {
      session: null,
      push,
      close() {
        connections.delete(conn);
        // Its page may come back (F5): its session waits for it RESUME_GRACE_MS. A session no page took
        // back by then has ended: its agent is offline.
        resume.closed(conn, Date.parse(store.now()));
        const session = conn.session;
        if (session) {
          setTimeout(() => {
            if (conn.session === session) agents.loggedOut(session.agentId);
          }, RESUME_GRACE_MS).unref?.();
        }
      },
    };
    connections.add(conn);
    return conn;
  }

  broadcast<E extends EventName>(event: E, payload: EventPayload<E>): void {
    for (const conn of this.#connections) conn.push(event, payload);
  }

  /**
   * Loads the callback scripts of these folders (shipped first, then the administrators' own); new scripts
   * and versions are kept in the store, bad files reported. Run at start; again after a script is added.
   */
  loadScripts(folders: readonly string[]): ScriptLoadReport {
    const report = loadScriptFolders(this.store, folders);
    for (const { message } of report.rejected) console.warn(`seat: script not loaded: ${message}`);
    return report;
  }

  /**
   * Loads the training line's personas (shipped in assets/training, each speaking clips of `voicesDir`); bad
   * files are reported and skipped. Run at start.
   */
  loadPersonas(dir: string, voicesDir: string = join(dir, '..', 'voices')): PersonaLoadReport {
    const report = loadPersonas(dir, voicesDir);
    for (const { message } of report.rejected) console.warn(`seat: persona not loaded: ${message}`);
    this.#personas = report.personas;
    this.#voicesDir = voicesDir;
    return report;
  }

  #trainingLine(): TrainingLineInfo {
    const settings = this.store.settings();
    return {
      allowed: settings['training.enabled'] && this.#personas.length > 0,
      pbxConfigured: settings['sip.wsUrl'] !== '' && settings['sip.uri'] !== '',
      personas: this.#personas.map((p) => ({
        id: p.id,
        version: p.version,
        name: p.name,
        description: p.description,
        ...(p.en ? { en: p.en } : {}),
        line: p.line,
        turns: p.turns.map(({ clip, text, after, delayMs }) => ({ clip, text, after, delayMs })),
        ...(p.hangUpAfterMs !== undefined ? { hangUpAfterMs: p.hangUpAfterMs } : {}),
        findings: p.findings,
      })),
    };
  }

  /** One clip a loaded persona speaks (only those: the name is checked against them, not just the folder). */
  #clip(clip: string): { data: string; mimeType: string } {
    const known = this.#personas.some((p) => p.turns.some((t) => t.clip === clip));
    if (!known || this.#voicesDir === null) throw new SeatError('NOT_FOUND', `演练录音不存在：${clip}`);
    const path = join(this.#voicesDir, clip);
    // Clips are a few seconds of Opus (tens of kilobytes); anything near the contract's bound is not one.
    if (statSync(path).size > 1_000_000) throw new SeatError('CONFLICT', `演练录音文件过大：${clip}`);
    return { data: readFileSync(path).toString('base64'), mimeType: 'audio/ogg' };
  }

  /** Starts syncing with head office (it waits, `not_configured`, until the seat is enrolled). */
  startSync(): void {
    this.sync.start();
  }

  /** Stops sync after its round in progress, then closes the store. */
  async shutdown(): Promise<void> {
    await this.sync.stop();
    this.close();
  }

  close(): void {
    clearInterval(this.#appointmentTimer);
    this.agents.close();
    this.#connections.clear();
    this.store.close();
  }

  /** The agent's 约定回拨, each marked due once the seat's clock has reached it. */
  #appointments(agentId: string) {
    const now = Date.parse(this.store.now());
    return appointmentsOf(this.store.db, agentId).map((a) => ({
      taskId: a.taskId,
      at: a.at,
      customerName: a.customerName,
      due: Date.parse(a.at) <= now,
      resultId: a.resultId,
    }));
  }

  /** Tells each logged-in page of the 约定回拨 whose time has come since the last check (each once). */
  #announceAppointments(): void {
    for (const conn of this.#connections) {
      if (!conn.session) continue;
      try {
        const due = this.#appointments(conn.session.agentId).filter(
          (a) => a.due && !this.#announced.has(a.resultId),
        );
        if (due.length === 0) continue;
        for (const a of due) this.#announced.add(a.resultId);
        conn.push('appointments.due', { taskIds: due.map((a) => a.taskId) });
      } catch (error) {
        console.warn('seat: appointments not checked', error);
      }
    }
  }

  #session(conn: Connection): SessionInfo {
    // The dispatcher has checked access already; this narrows the type for the handlers.
    if (!conn.session) throw new SeatError('NOT_AUTHENTICATED', '请先登录');
    return conn.session;
  }

  /**
   * `session.resume`: the session of the connection the token was issued on, moved to this one (a reloaded
   * page; the old connection, if still open, is told it ended). The token is used up whatever the answer.
   * Refused, and that session ended, when it lapsed meanwhile (SESSION_IDLE_MS, SESSION_MAX_MS: audited as
   * `session.expired`), its page closed more than RESUME_GRACE_MS ago, or its agent was locked or removed
   * at this seat (audited as `session.resume_refused`). The session keeps its login time (SESSION_MAX_MS).
   */
  #resumeSession(conn: Connection, token: string): { session: SessionInfo; resumeToken: string } {
    if (conn.session) throw new SeatError('CONFLICT', '本页面已登录，无需恢复登录');
    const at = Date.parse(this.store.now());
    const taken = this.#resume.take(token, at);
    const from = taken.conn;
    if (from?.session) this.#expire(from);
    const session = from?.session;
    const end = (reason: string) => {
      if (!from || !session) return;
      this.store.audit({
        agentId: session.agentId,
        action: 'session.resume_refused',
        entityType: 'agent',
        entityId: session.agentId,
        detail: { reason },
      });
      from.session = null;
      this.#activity.delete(from);
      this.agents.loggedOut(session.agentId);
      void this.review.logout(from);
    };
    if ('refused' in taken || !from || !session) {
      if ('refused' in taken && taken.refused === 'expired') {
        end('expired');
        throw new SeatError(
          'NOT_AUTHENTICATED',
          `页面关闭已超过 ${RESUME_GRACE_MS / 60_000} 分钟，登录已结束，请重新登录`,
        );
      }
      throw new SeatError('NOT_AUTHENTICATED', '登录已结束（已退出、已超时或已在其他页面恢复），请重新登录');
    }
    if (session.local) {
      const agent = this.store.agentByCode(session.agentCode);
      if (!agent || agent.id !== session.agentId || agent.role !== session.role) {
        end('agent_changed');
        throw new SeatError('NOT_AUTHENTICATED', '坐席账号已停用或已变更，请重新登录');
      }
      try {
        assertNotLocked(this.store, agent);
      } catch (error) {
        end('locked');
        throw error;
      }
    }
    const seen = this.#activity.get(from);
    from.session = null;
    this.#activity.delete(from);
    conn.session = session;
    this.#activity.set(conn, { since: seen?.since ?? at, last: at });
    this.review.handOver(from, conn);
    // The old page, if it is still open (a second tab that took this one's token), shows the login.
    from.push('session.changed', null);
    this.store.audit({
      agentId: session.agentId,
      action: 'session.resumed',
      entityType: 'agent',
      entityId: session.agentId,
      detail: {},
    });
    languageInUse(this.store, session.agentId);
    return { session, resumeToken: this.#resume.issue(conn) };
  }

  #outboxChanged(): void {
    this.broadcast('outbox.changed', this.store.outboxStatus());
    this.sync.nudge();
  }

  #handlers(): Handlers {
    const store = this.store;
    return {
      'seat.info': () => {
        const seat = store.seat();
        if (!seat) throw new SeatError('STORE_UNAVAILABLE', '坐席尚未初始化（缺少坐席编号）');
        return {
          seatId: seat.id,
          branchId: seat.branchId,
          branchName: seat.branchName,
          schemaVersion: store.schemaVersion,
          appVersion: this.#appVersion,
          demo: this.#demo,
          language: seatLanguage(store),
        };
      },
      'session.changePassword': ({ agentCode, password, newPassword }) =>
        this.review.changePassword(agentCode, password, newPassword),
      'session.login': async ({ agentCode, password }, conn) => {
        // A new login is a new session: the token of the one before on this connection no longer resumes.
        this.#resume.revoke(conn);
        try {
          conn.session = await this.review.login(conn, agentCode, password);
          const at = Date.parse(store.now());
          this.#activity.set(conn, { since: at, last: at });
          languageInUse(store, conn.session.agentId);
          // Only those who take calls have a working state (not reviewers, compliance or administrators).
          if (takesCalls(conn.session.role)) this.agents.loggedIn(conn.session.agentId);
        } finally {
          this.#outboxChanged();
        }
        conn.push('session.changed', conn.session);
        return conn.session;
      },
      'session.logout': (_args, conn) => {
        const session = this.#session(conn);
        store.audit({
          agentId: session.agentId,
          action: 'session.logout',
          entityType: 'agent',
          entityId: session.agentId,
          detail: {},
        });
        conn.session = null;
        this.#resume.revoke(conn);
        this.agents.loggedOut(session.agentId);
        void this.review.logout(conn);
        conn.push('session.changed', null);
        this.#outboxChanged();
        return {};
      },
      'session.current': (_args, conn) => conn.session,
      'session.resumeToken': (_args, conn) => {
        this.#session(conn);
        return { resumeToken: this.#resume.issue(conn) };
      },
      'session.resume': ({ resumeToken }, conn) => {
        const value = this.#resumeSession(conn, resumeToken);
        conn.push('session.changed', value.session);
        this.#outboxChanged();
        return value;
      },
      'worklist.list': ({ search, ...args }, conn) => {
        const { agentId } = this.#session(conn);
        // The schema let only a name or a whole number through: `customerSearch` reads it the same way here.
        const found = search === undefined ? null : customerSearch(search);
        const page = store.worklist(agentId, { ...args, search: found ?? undefined });
        if (found) {
          // Looking customers up by a personal value is audited like revealing one (customer.reveal): who,
          // how, how many were found; never what was typed.
          store.audit({
            agentId,
            action: 'worklist.search',
            entityType: 'agent',
            entityId: agentId,
            detail: { field: found.kind, found: page.total },
          });
          this.#outboxChanged();
        }
        return page;
      },
      'task.get': ({ taskId }, conn) => store.taskDetail(this.#session(conn).agentId, taskId),
      'customer.setDoNotCall': ({ customerId, doNotCall, reason }, conn) => {
        const value = store.setDoNotCall(this.#session(conn).agentId, customerId, doNotCall, reason);
        this.#outboxChanged();
        return value;
      },
      'customer.setPreferredTimes': ({ customerId, preferredTimes, reason }, conn) => {
        const value = store.setPreferredTimes(
          this.#session(conn).agentId,
          customerId,
          preferredTimes,
          reason,
        );
        this.#outboxChanged();
        return value;
      },
      'customer.reveal': ({ customerId, field, taskId }, conn) => {
        const value = store.revealCustomerField(this.#session(conn).agentId, customerId, field, taskId);
        this.#outboxChanged();
        return { value };
      },
      'result.commit': (args, conn) => {
        const value = store.commitResult(this.#session(conn).agentId, args);
        this.agents.committed(this.#session(conn).agentId);
        this.broadcast('worklist.changed', { taskIds: [args.taskId] });
        this.#outboxChanged();
        return value;
      },
      'history.today': (_args, conn) => ({ items: store.historyToday(this.#session(conn).agentId) }),
      'appointments.list': (_args, conn) => ({
        items: this.#appointments(this.#session(conn).agentId).map(({ resultId: _, ...a }) => a),
      }),
      'agent.state': (_args, conn) => this.agents.get(this.#session(conn).agentId),
      'agent.setState': ({ state, reason }, conn) => {
        const session = this.#session(conn);
        if (!takesCalls(session.role)) throw new SeatError('FORBIDDEN', '该角色不接回访电话，没有坐席状态');
        return this.agents.set(session.agentId, state, reason);
      },
      'script.open': ({ taskId }, conn) => store.openScript(this.#session(conn).agentId, taskId),
      'script.answer': (args, conn) => store.answerScript(this.#session(conn).agentId, args),
      'script.back': ({ taskId }, conn) => store.backScript(this.#session(conn).agentId, taskId),
      'script.notes': ({ taskId, notes }, conn) => {
        store.saveNotes(this.#session(conn).agentId, taskId, notes);
        return {};
      },
      'call.start': ({ attemptId, taskId, line }, conn) => {
        let persona: Persona | null = null;
        if (line.kind === 'training') {
          persona = this.#personas.find((p) => p.id === line.personaId) ?? null;
          if (!persona) throw new SeatError('NOT_FOUND', `演练客户角色不存在：${line.personaId}`);
        }
        const value = store.startCall(
          this.#session(conn).agentId,
          attemptId,
          taskId,
          persona && { personaId: persona.id, personaVersion: persona.version, findings: persona.findings },
        );
        // No worklist.changed here: a refetch in the renderer while the INVITE is being set up delays the
        // call (measured: +70 ms). The list learns of the attempt when the call ends.
        this.agents.callStarted(this.#session(conn).agentId, attemptId);
        this.#outboxChanged();
        return { attemptId, ...value };
      },
      'training.personas': () => this.#trainingLine(),
      'training.clip': ({ clip }) => this.#clip(clip),
      'call.end': (args, conn) => {
        store.endCall({ ...args, agentId: this.#session(conn).agentId });
        this.agents.callEnded(this.#session(conn).agentId, args.attemptId);
        this.broadcast('worklist.changed', { taskIds: [] });

        this.#outboxChanged();
        return {};
      },
      'recording.start': ({ recordingId, attemptId, mimeType }, conn) => {
        this.recordings.start({ recordingId, attemptId, mimeType, agentId: this.#session(conn).agentId });
        return {};
      },
      'recording.chunk': ({ recordingId, seq, data }, conn) =>
        this.recordings.chunk({
          recordingId,
          seq,
          data: Buffer.from(data, 'base64'),
          agentId: this.#session(conn).agentId,
        }),
      'recording.mark': ({ recordingId, offsetMs, label }, conn) => {
        this.recordings.mark({
          recordingId,
          offsetMs,
          label,
          id: uuidv7(),
          agentId: this.#session(conn).agentId,
        });
        return {};
      },
      'recording.finish': ({ recordingId, durationMs }, conn) => {
        const value = this.recordings.finish({
          recordingId,
          durationMs,
          agentId: this.#session(conn).agentId,
        });
        this.#outboxChanged();
        return value;
      },
      'recording.list': ({ limit }, conn) => ({
        items: this.recordings.list(this.#session(conn).agentId, limit),
      }),
      'recording.read': ({ recordingId, offset, length }, conn) => {
        const { data, sizeBytes, mimeType } = this.recordings.read({
          recordingId,
          offset,
          length,
          agentId: this.#session(conn).agentId,
        });
        return { data: data.toString('base64'), sizeBytes, mimeType };
      },
      'audit.list': ({ limit, before }, conn) => ({
        items: store.listAudit(this.#session(conn).agentId, limit, before ?? null),
      }),
      // Credentials masked: the phone reads them through `phone.credentials` (audited), nothing else does.
      // The interface language is the logged-in agent's own (auth/language.ts), the rest the seat's.
      'settings.get': (_args, conn) =>
        maskSettings({
          ...store.settings(),
          'ui.language': agentLanguage(store, this.#session(conn).agentId),
        }),
      'settings.sources': (_args, conn) => ({
        hq: hqSetSettings(store.db),
        canManage: isManager(this.#session(conn).role),
      }),
      'phone.credentials': (_args, conn) => {
        const session = this.#session(conn);
        // Once per login (each login is a new session object): the phone registers again at every change of
        // its settings, which says nothing new.
        if (!this.#credentialsRead.has(session)) {
          this.#credentialsRead.add(session);
          store.audit({
            agentId: session.agentId,
            action: 'sip.credentials_read',
            entityType: 'setting',
            entityId: 'sip.password',
            detail: {},
          });
          this.#outboxChanged();
        }
        const settings = store.settings();
        return { password: settings['sip.password'], iceServers: settings['sip.iceServers'] };
      },
      'sync.status': () => this.sync.status(),
      'sync.refused': () => ({ items: this.store.refusedEntries() }),
      'sync.enrol': async ({ hqUrl, code, password, name, caCertPem }, conn) => {
        // Head office decides who may enrol (its supervisors and administrators, by the login given here). A
        // fresh install has no agents to log in with, so it may be enrolled from the login screen; once it
        // was enrolled or holds agents, only a supervisor or administrator logged in here may (re-)enrol it.
        if (!isFirstRun(store) && !(conn.session && isManager(conn.session.role))) {
          throw new SeatError(
            'FORBIDDEN',
            '本坐席已登记过或已有坐席人员：请由主管或管理员在本机登录后再登记',
          );
        }
        // Again only when head office refused the token (revoked), or presented another key than the pinned
        // one (an administrator checked it is head office's): a live enrolment stays as it is.
        const reenrol = this.sync.tokenRefused() || this.sync.pinMismatch();
        await enrolSeat(store, { url: hqUrl, code, password, seatName: name, caCertPem }, { reenrol });
        this.sync.enrolled();
        const seat = store.seat();
        if (!seat) throw new SeatError('STORE_UNAVAILABLE', '坐席尚未初始化（缺少坐席编号）');
        store.audit({
          agentId: conn.session?.agentId ?? null,
          action: 'sync.enrol',
          entityType: 'seat',
          entityId: seat.id,
          detail: { hqUrl, ...(reenrol ? { reenrol: true } : {}) },
        });
        this.#outboxChanged();
        return this.sync.status();
      },
      'review.search': (args, conn) => this.review.search(conn, args),
      'review.training': (query, conn) => this.review.training(conn, query),
      'review.result': ({ resultId }, conn) => this.review.result(conn, resultId),
      'review.playback': ({ recordingId }, conn) => this.review.playback(conn, recordingId),
      'review.download': ({ recordingId }, conn) => this.review.download(conn, recordingId),
      'review.hold': ({ recordingId, ...hold }, conn) => this.review.hold(conn, recordingId, hold),
      'review.watch': (q, conn) => this.review.watch(conn, q),
      'review.raiseFinding': ({ resultId, ...raise }, conn) =>
        this.review.raiseFinding(conn, resultId, raise),
      'review.rechecks': (args, conn) => this.review.rechecks(conn, args),
      'review.recheckForm': (_args, conn) => this.review.recheckForm(conn),
      'review.evaluate': (args, conn) => this.review.evaluate(conn, args),
      'review.plans': (_args, conn) => this.review.plans(conn),
      'review.setPlan': (args, conn) => this.review.setPlan(conn, args),
      'review.sample': ({ periodKey }, conn) => this.review.sample(conn, periodKey),
      'review.findings': (args, conn) => this.review.findings(conn, args),
      'review.findingAct': (args, conn) => this.review.findingAct(conn, args),
      'review.staff': (_args, conn) => this.review.staff(conn),
      'review.report': (args, conn) => this.review.report(conn, args),
      'review.export': (args, conn) => this.review.export(conn, args),
      'review.lockouts': (_args, conn) => this.review.lockouts(conn, this.#session(conn)),
      'review.unlock': (args, conn) => this.review.unlock(conn, this.#session(conn), args),
      'settings.set': ({ key, value }, conn) => {
        const session = this.#session(conn);
        const refusal = settingsRefusal(key, session.role, hqSetSettings(store.db));
        if (refusal) throw new SeatError('FORBIDDEN', refusal);
        const before = store.settings();
        const next = unmaskSetting(key, value, before);
        const settings = store.setSetting(session.agentId, key, next, {
          old: maskSetting(key, before[key]),
          new: maskSetting(key, next),
        });
        if (key === 'ui.language') saveAgentLanguage(store, session.agentId, next as Settings['ui.language']);
        this.#outboxChanged();
        return maskSettings({ ...settings, 'ui.language': agentLanguage(store, session.agentId) });
      },
    };
  }

  /** A database that fails under a running seat is reported as such, not as a defect of the method. */
  #guard(handlers: Handlers): Handlers {
    const guarded: Record<string, unknown> = {};
    for (const name of Object.keys(handlers) as MethodName[]) {
      const handler = handlers[name] as (args: unknown, conn: Connection) => unknown;
      guarded[name] = async (args: unknown, conn: Connection) => {
        try {
          return await handler(args, conn);
        } catch (error) {
          if (isDiskFull(error)) throw new SeatError('DISK_FULL', DISK_FULL_MESSAGE, { cause: error });
          const code = String((error as { code?: unknown })?.code ?? '');
          if (SQLITE_UNUSABLE.test(code)) {
            throw new SeatError('STORE_UNAVAILABLE', `本地数据库读写失败（${code}），请联系管理员`, {
              cause: error,
            });
          }
          throw error;
        }
      };
    }
    return guarded as unknown as Handlers;
  }
}
