import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type {
  CommitResultArgs,
  CommitResultValue,
  PreferredWindow,
  RevealField,
  ScriptDraft,
  SettingKey,
  Settings,
} from '../../../shared/contract';
import { type AttemptTraining, SeatError } from '../../../shared/contract';
import type { RefusedEntry } from '../../../shared/contract/sync';
import { maskPhone } from '../../../shared/domain/masking';
import { dialTarget } from '../../../shared/phone/dial';
import type { Script } from '../../../shared/scripts/format';
import {
  type AgentRow,
  agentByCode,
  agentById,
  lockedAgents,
  noteLoginFailure,
  noteLoginSuccess,
  offlineVerifier,
  removeOfflineVerifier,
  saveOfflineVerifier,
} from './agents';
import { type AttemptEnd, endAttempt, interruptOpenAttempts, startAttempt } from './calls';
import { customerContact, dialRefusal, setDoNotCall, setPreferredTimes } from './contact';
import { type Db, type OpenOptions, openDatabase, schemaVersion, stmt } from './database';
import { type AnswerArgs, answerDraft, backDraft, openDraft, saveNotes } from './drafts';
import { historyToday } from './history';
import { type AuditEntry, appendAudit, listAudit, newId, outboxStatus } from './journal';
import type { ReferenceBatch } from './records';
import { importReferenceData } from './reference';
import { commitResult } from './results';
import { registerScript, type ScriptRegistration, scriptVersion } from './scripts';
import { bindSecretBox, FileKeySecretBox, type SecretBox } from './secrets';
import { readSettings, sealClearSettings, unreadableSettings, writeSetting } from './settings';
import * as sync from './sync';
import {
  type Actor,
  assertCustomerVisible,
  taskDetail,
  visibleTask,
  type WorklistQuery,
  worklist,
} from './tasks';

export interface SeatIdentity {
  id: string;
  branchId: string;
  branchName: string;
}

/** The WAL is folded back into the database once it holds this much. */
const CHECKPOINT_WAL_BYTES = 4 * 1024 * 1024;

export interface SeatStoreOptions extends OpenOptions {
  /** The clock for every timestamp the store writes; injectable for tests. */
  now?: () => Date;
  /**
   * Seals the credentials the store keeps (secrets.ts). Default: a key file `seat.key` beside the database
   * (the browser seat, plain Node); the desktop app passes Electron's safeStorage (electron/binding).
   */
  secrets?: SecretBox;
}

/**
 * The seat's local store: one better-sqlite3 connection, the only writer. Queries and commands are plain
 * functions over the connection (see the modules beside this one); this class holds the connection, the
 * seat's identity and the clock, and is what the seat's services are given.
 */
export class SeatStore {
  readonly db: Db;
  readonly #now: () => Date;
  /** The seat's identity never changes once set: read once, then kept. */
  #identity: SeatIdentity | null = null;
  #checkpointScheduled = false;

  private constructor(db: Db, now: () => Date) {
    this.db = db;
    this.#now = now;
  }

  /**
   * Opens or creates the database; throws `StoreOpenError` when it cannot be used. Credentials an older build
   * stored in clear are sealed here (the migration has no key), and the clear pages checkpointed out of the
   * WAL at once.
   */
  static open(path: string, options: SeatStoreOptions = {}): SeatStore {
    const db = openDatabase(path, options);
    try {
      bindSecretBox(
        db,
        options.secrets ??
          (db.memory ? FileKeySecretBox.ephemeral() : FileKeySecretBox.at(join(dirname(path), 'seat.key'))),
      );
      if (schemaVersion(db) >= 7) {
        const sealed = db.transaction(() => sync.sealClearToken(db) + sealClearSettings(db)).immediate();
        if (sealed > 0 && !db.memory) db.pragma('wal_checkpoint(TRUNCATE)');
      }
    } catch (error) {
      db.close();
      throw error;
    }
    return new SeatStore(db, options.now ?? (() => new Date()));
  }

  /**
   * The credentials stored here that this seat cannot open (another computer's key, a lost key file): they
   * read as unset, and the seat says so (sync status) until a supervisor enrols it again and resets them.
   */
  unreadableSecrets(): string[] {
    return [...(sync.unreadableToken(this.db) ? ['hq.token'] : []), ...unreadableSettings(this.db)];
  }

  close(): void {
    this.db.close();
  }

  /** Runs `fn` in a write transaction (BEGIN IMMEDIATE), then schedules the idle checkpoint. */
  #write<T>(fn: () => T): T {
    const value = this.db.transaction(fn).immediate();
    this.#afterWrite();
    return value;
  }

  /**
   * Checkpoints once the current call has returned and the event loop is free, so no commit waits for one.
   * TRUNCATE resets the WAL file, which this process alone uses (EXCLUSIVE locking).
   */
  #afterWrite(): void {
    if (this.#checkpointScheduled || this.db.memory) return;
    this.#checkpointScheduled = true;
    setImmediate(() => {
      this.#checkpointScheduled = false;
      if (!this.db.open) return;
      const wal = statSync(`${this.db.name}-wal`, { throwIfNoEntry: false });
      if (wal && wal.size >= CHECKPOINT_WAL_BYTES) this.db.pragma('wal_checkpoint(TRUNCATE)');
    });
  }

  get schemaVersion(): number {
    return schemaVersion(this.db);
  }

  now(): string {
    return this.#now().toISOString();
  }

  /** The seat's identity, or null before it was set up. */
  seat(): SeatIdentity | null {
    this.#identity ??=
      stmt<[], SeatIdentity>(
        this.db,
        'SELECT id, branch_id AS branchId, branch_name AS branchName FROM seat',
      ).get() ?? null;
    return this.#identity;
  }

  /** Gives the seat its id on first start; later calls return the stored identity unchanged. */
  ensureSeat(branch: { branchId: string; branchName: string }): SeatIdentity {
    const existing = this.seat();
    if (existing) return existing;
    const seat = { id: newId(), ...branch };
    this.#write(() =>
      stmt(
        this.db,
        'INSERT INTO seat (singleton, id, branch_id, branch_name, created_at) VALUES (1, ?, ?, ?, ?)',
      ).run(seat.id, seat.branchId, seat.branchName, this.now()),
    );
    return seat;
  }

  #seatId(): string {
    const seat = this.seat();
    if (!seat) throw new SeatError('STORE_UNAVAILABLE', '坐席尚未初始化（缺少坐席编号）');
    return seat.id;
  }

  importReferenceData(batch: ReferenceBatch): void {
    this.#write(() => importReferenceData(this.db, batch, this.now()));
  }

  agentByCode(code: string): AgentRow | undefined {
    return agentByCode(this.db, code);
  }

  /** The agent's offline verifier made at this seat (auth/login.ts), or null. */
  offlineVerifier(agentId: string): string | null {
    return offlineVerifier(this.db, agentId);
  }

  /** After the agent's own successful online login here: `hash` of that password, for offline logins. */
  saveOfflineVerifier(agentId: string, hash: string): void {
    this.#write(() => saveOfflineVerifier(this.db, agentId, hash, this.now()));
  }

  /** Head office refused the agent's password: offline, it no longer opens the seat either. */
  removeOfflineVerifier(agentId: string): void {
    this.#write(() => removeOfflineVerifier(this.db, agentId));
  }

  /** The actor a query runs for; `NOT_AUTHENTICATED` if the agent has been removed meanwhile. */
  actor(agentId: string): Actor {
    const agent = agentById(this.db, agentId);
    if (!agent) throw new SeatError('NOT_AUTHENTICATED', '坐席账号已不存在，请重新登录');
    return { agentId: agent.id, branchId: agent.branchId, staffId: agent.staffId };
  }

  /** Login bookkeeping and its audit entry in one transaction. */
  recordLogin(
    agent: AgentRow | undefined,
    outcome: 'success' | 'failure',
    lockedUntil: string | null,
    agentCode: string,
  ): void {
    const seatId = this.#seatId();
    this.#write(() => {
      if (agent && outcome === 'success') noteLoginSuccess(this.db, agent.id);
      if (agent && outcome === 'failure') noteLoginFailure(this.db, agent.id, lockedUntil);
      appendAudit(
        this.db,
        seatId,
        {
          agentId: agent?.id ?? null,
          action:
            outcome === 'success' ? 'session.login' : lockedUntil ? 'session.locked' : 'session.login_failed',
          entityType: 'agent',
          // A code the seat does not know is not written down: it may be a password typed in the wrong
          // field (#14). Its length is enough to tell a slip from a scan.
          entityId: agent?.id ?? '（未知工号）',
          detail: lockedUntil ? { lockedUntil } : agent ? {} : { codeLength: agentCode.length },
        },
        this.now(),
      );
    });
  }

  /** Agents locked at this seat now. */
  lockedAgents(): AgentRow[] {
    return lockedAgents(this.db, this.now());
  }

  /** Lifts an agent's lockout here (a supervisor's act, audited); false when the agent was not locked. */
  unlockAgent(agentId: string, by: string): boolean {
    const seatId = this.#seatId();
    return this.#write(() => {
      const locked = lockedAgents(this.db, this.now()).some((a) => a.id === agentId);
      if (!locked) return false;
      noteLoginSuccess(this.db, agentId);
      appendAudit(
        this.db,
        seatId,
        {
          agentId: by,
          action: 'session.unlock',
          entityType: 'agent',
          entityId: agentId,
          detail: { at: 'seat' },
        },
        this.now(),
      );
      return true;
    });
  }

  audit(entry: AuditEntry): string {
    const seatId = this.#seatId();
    return this.#write(() => appendAudit(this.db, seatId, entry, this.now()));
  }

  /** The audit trail as `agentId` may read it: supervisors and compliance see the seat's, agents their own. */
  listAudit(agentId: string, limit: number, before: string | null) {
    const agent = agentById(this.db, agentId);
    if (!agent) throw new SeatError('NOT_AUTHENTICATED', '坐席账号已不存在，请重新登录');
    const everyone = agent.role === 'supervisor' || agent.role === 'compliance' || agent.role === 'admin';
    return listAudit(this.db, everyone ? null : agentId, limit, before);
  }

  worklist(agentId: string, query: WorklistQuery) {
    return worklist(this.db, this.actor(agentId), query);
  }

  taskDetail(agentId: string, taskId: string) {
    return taskDetail(this.db, this.actor(agentId), taskId);
  }

  /**
   * The unmasked ID number or phone. The audit entry is written first, in the same transaction as the read:
   * no value leaves the store without its trace.
   */
  revealCustomerField(
    agentId: string,
    customerId: string,
    field: RevealField,
    taskId: string | null,
  ): string {
    const seatId = this.#seatId();
    const actor = this.actor(agentId);
    return this.#write(() => {
      assertCustomerVisible(this.db, actor, customerId);
      appendAudit(
        this.db,
        seatId,
        {
          agentId,
          action: 'customer.reveal',
          entityType: 'customer',
          entityId: customerId,
          detail: { field, taskId },
        },
        this.now(),
      );
      const column = field === 'idNumber' ? 'id_number' : 'phone';
      const row = stmt<[string], { value: string }>(
        this.db,
        `SELECT ${column} AS value FROM customers WHERE id = ?`,
      ).get(customerId);
      if (!row) throw new SeatError('NOT_FOUND', '客户不存在');
      return row.value;
    });
  }

  /**
   * Starts a dial of the task's customer: the attempt fact and its audit entry, then the SIP target for the
   * phone. The full number leaves the store only inside the target, never for display. On the training line
   * (`persona` given: the seat resolved it from its personas) no number is dialled and the attempt names the
   * persona; refused unless an administrator allowed the training line here (`training.enabled`).
   */
  startCall(
    agentId: string,
    attemptId: string,
    taskId: string,
    persona: (AttemptTraining & { findings: readonly string[] }) | null = null,
  ): { target: string; numberMasked: string; training: boolean } {
    const actor = this.actor(agentId);
    const settings = this.settings();
    if (persona && !settings['training.enabled']) {
      throw new SeatError('FORBIDDEN', '本坐席未开放演练线路，请联系管理员');
    }
    if (!persona && (!settings['sip.wsUrl'] || !settings['sip.uri'])) {
      throw new SeatError('CONFLICT', '电话尚未配置（SIP 服务器地址和 SIP 地址），请联系管理员');
    }
    const task = visibleTask(this.db, actor, taskId);
    const phone = stmt<[string], { phone: string }>(this.db, 'SELECT phone FROM customers WHERE id = ?').get(
      task.customerId,
    )?.phone;
    if (!phone) throw new SeatError('NOT_FOUND', '客户不存在');
    // 免打扰 and 偏好时段 (a training call reaches a simulated customer, not this one): refused before any
    // number leaves the store, audited, and no attempt is stored.
    const refusal = persona
      ? null
      : dialRefusal(
          customerContact(this.db, task.customerId),
          this.#now().getTime(),
          settings['calling.window'],
        );
    if (refusal) {
      const seatId = this.#seatId();
      this.#write(() =>
        appendAudit(
          this.db,
          seatId,
          {
            agentId,
            action: 'call.refused',
            entityType: 'task',
            entityId: taskId,
            detail: { customerId: task.customerId, rule: refusal.rule, nextAllowedAt: refusal.nextAllowedAt },
          },
          this.now(),
        ),
      );
      throw new SeatError('CONFLICT', refusal.message);
    }
    const target = persona
      ? ''
      : dialTarget(
          phone,
          { outsidePrefix: settings['dial.outsidePrefix'], prefixMobiles: settings['dial.prefixMobiles'] },
          settings['sip.uri'],
        );
    const numberMasked = maskPhone(phone);
    startAttempt(this.db, {
      attemptId,
      taskId,
      agentId,
      seatId: this.#seatId(),
      numberMasked,
      at: this.now(),
      training: persona,
    });
    this.#afterWrite();
    return { target, numberMasked, training: persona !== null };
  }

  #contactEditor(agentId: string) {
    const agent = agentById(this.db, agentId);
    if (!agent) throw new SeatError('NOT_AUTHENTICATED', '坐席账号已不存在，请重新登录');
    return { actor: this.actor(agentId), agent, seatId: this.#seatId(), at: this.now() };
  }

  /** Registers or lifts the customer's 免打扰, with a reason; audited and sent to head office. */
  setDoNotCall(agentId: string, customerId: string, on: boolean, reason: string) {
    const editor = this.#contactEditor(agentId);
    return this.#write(() => setDoNotCall(this.db, editor, customerId, on, reason));
  }

  /** Sets the customer's 偏好时段 (none: lifted), with a reason; audited and sent to head office. */
  setPreferredTimes(agentId: string, customerId: string, windows: PreferredWindow[], reason: string) {
    const editor = this.#contactEditor(agentId);
    return this.#write(() => setPreferredTimes(this.db, editor, customerId, windows, reason));
  }

  endCall(e: Omit<AttemptEnd, 'seatId'>): void {
    endAttempt(this.db, { ...e, seatId: this.#seatId() });
    this.#afterWrite();
  }

  /** After a crash: dials that never got an ending get `interrupted`. */
  interruptOpenAttempts(): number {
    const seat = this.seat();
    return seat ? interruptOpenAttempts(this.db, seat.id, this.now()) : 0;
  }

  commitResult(agentId: string, args: CommitResultArgs): CommitResultValue {
    const value = commitResult(
      this.db,
      { ...this.actor(agentId), seatId: this.#seatId(), at: this.now() },
      args,
    );
    this.#afterWrite();
    return value;
  }

  historyToday(agentId: string) {
    return historyToday(this.db, this.actor(agentId).agentId, this.now());
  }

  /** One version of a script, or null when this seat does not hold it. */
  script(id: string, version: number): Script | null {
    return scriptVersion(this.db, id, version);
  }

  registerScript(script: Script, source: string): ScriptRegistration {
    return this.#write(() => registerScript(this.db, script, source, this.now()));
  }

  /** The task's script draft, made on first open (a write), resumed afterwards. */
  openScript(agentId: string, taskId: string): ScriptDraft {
    const actor = this.actor(agentId);
    return this.#write(() => openDraft(this.db, actor, taskId, this.now()));
  }

  answerScript(agentId: string, args: AnswerArgs): ScriptDraft {
    const actor = this.actor(agentId);
    return this.#write(() => answerDraft(this.db, actor, args, this.now()));
  }

  backScript(agentId: string, taskId: string): ScriptDraft {
    const actor = this.actor(agentId);
    return this.#write(() => backDraft(this.db, actor, taskId, this.now()));
  }

  saveNotes(agentId: string, taskId: string, notes: string): void {
    const actor = this.actor(agentId);
    this.#write(() => saveNotes(this.db, actor, taskId, notes, this.now()));
  }

  settings(): Settings {
    return readSettings(this.db);
  }

  /** `detail`: what the audit entry says of the change (the seat gives old and new values, secrets masked). */
  setSetting(
    agentId: string,
    key: SettingKey,
    value: unknown,
    detail: Record<string, unknown> = {},
  ): Settings {
    const seatId = this.#seatId();
    this.#write(() => {
      writeSetting(this.db, key, value, this.now());
      appendAudit(
        this.db,
        seatId,
        { agentId, action: 'settings.set', entityType: 'setting', entityId: key, detail },
        this.now(),
      );
    });
    return this.settings();
  }

  outboxStatus() {
    return outboxStatus(this.db);
  }

  // ---- sync with head office (electron/seat/sync) ----

  syncConfig(): sync.SyncConfig | null {
    return sync.readSyncConfig(this.db);
  }

  setSyncConfig(config: sync.SyncConfig): void {
    this.#write(() => sync.writeSyncConfig(this.db, config));
  }

  unackedEntries(limit: number) {
    return sync.unackedEntries(this.db, limit);
  }

  /** Head office has everything up to `seq` (see sync.acknowledge); the rebase, when it needed one. */
  acknowledge(seq: number, refused: readonly RefusedEntry[] = []): sync.Rebase | null {
    const seatId = this.#seatId();
    return this.#write(() => sync.acknowledge(this.db, seatId, seq, this.now(), refused));
  }

  /** Entries head office quarantined (see sync.acknowledge), newest first. */
  refusedEntries(limit = 200) {
    return sync.refusedEntries(this.db, limit);
  }

  refusedCount(): number {
    return sync.refusedCount(this.db);
  }

  /** Head office holds other entries from `fromSeq` up to `hqSeq`: this seat's follow after (sync.rebaseOutbox). */
  rebaseOutbox(fromSeq: number, hqSeq: number): sync.Rebase {
    const seatId = this.#seatId();
    return this.#write(() => sync.rebaseOutbox(this.db, seatId, fromSeq, hqSeq, this.now()));
  }

  pullCursor(): number {
    return sync.pullCursor(this.db);
  }

  /** Applies a pulled page with its cursor in one transaction; returns the task ids it touched. */
  applyPull(page: Parameters<typeof sync.applyPull>[1]): string[] {
    return this.#write(() => sync.applyPull(this.db, page));
  }

  pendingUploads(limit: number) {
    return sync.pendingUploads(this.db, limit);
  }

  uploadsWaiting(): number {
    return sync.uploadsWaiting(this.db);
  }

  uploadUrl(recordingId: string): string | null {
    return sync.uploadUrl(this.db, recordingId);
  }

  saveUploadUrl(recordingId: string, url: string | null): void {
    this.#write(() => sync.saveUploadUrl(this.db, recordingId, url));
  }

  /** Local copies past retention, confirmed at head office, removed; audited with how many. */
  pruneRecordings(): number {
    const seatId = this.#seatId();
    const days = this.settings()['recordings.retentionDays'];
    return this.#write(() => {
      const removed = sync.pruneRecordings(this.db, this.now(), days);
      if (removed.length > 0) {
        appendAudit(
          this.db,
          seatId,
          {
            agentId: null,
            action: 'recording.local_pruned',
            entityType: 'recording',
            entityId: removed[0] as string,
            detail: { count: removed.length, retentionDays: days },
          },
          this.now(),
        );
      }
      return removed.length;
    });
  }

  markStored(recordingId: string): void {
    this.#write(() => sync.markStored(this.db, recordingId, this.now()));
  }
}
