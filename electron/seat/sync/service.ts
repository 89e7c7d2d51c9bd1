import type { SyncStatus } from '../../../shared/contract';
import { CLOCK_WARN_MS, PUSH_MAX_ENTRIES } from '../../../shared/contract/sync';
import type { SeatStore } from '../store/seat-store';
import { SecretUnreadable } from '../store/secrets';
import type { Rebase, SyncConfig } from '../store/sync';
import { HqClient, HqRefused, HqUnreachable, HqUntrusted } from './hq-client';
import { PIN_MISMATCH_MESSAGE } from './tls';

export interface SeatSyncOptions {
  /** Between rounds while online (new tasks are pulled this often). */
  intervalMs?: number;
  /** The longest wait between tries while head office is unreachable. */
  maxBackoffMs?: number;
  /** Told of every state or count change (the seat broadcasts `sync.changed`). */
  onStatus?: (status: SyncStatus) => void;
  /** Told when a pull changed tasks (the seat broadcasts `worklist.changed`). */
  onTasks?: (taskIds: string[]) => void;
  onOutbox?: () => void;
}

/**
 * The seat's side of sync, one round at a time: push the outbox in order until head office has all of it,
 * pull what changed, upload the recordings head office knows of, and confirm each is stored before the seat
 * would ever let it go. Unreachable head office → `offline`, with growing waits (up to a minute); the agent
 * works on meanwhile. Everything it needs to resume (acknowledged sequence, pull cursor, upload URLs) is in
 * the seat's store, so a restart continues where it stopped.
 */
export class SeatSync {
  readonly #store: SeatStore;
  readonly #options: Required<Pick<SeatSyncOptions, 'intervalMs' | 'maxBackoffMs'>> & SeatSyncOptions;
  #state: SyncStatus['state'] = 'not_configured';
  #lastError: string | null = null;
  #lastSyncAt: string | null = null;
  /** What the agent should know of the last rounds, e.g. that the outbox was numbered again after a restore. */
  #notice: string | null = null;
  /** This seat's clock minus head office's, measured at the start of the last round. */
  #clockOffsetMs: number | null = null;
  #wake: (() => void) | null = null;
  #again = false;
  #loop: Promise<void> | null = null;
  #stopped = false;
  #failures = 0;
  /**
   * The token head office refused (401: revoked by an administrator, or unknown there) and why: the seat
   * sends nothing more with it — a new one comes with re-enrolment (`sync.enrol`). Kept in memory: after a
   * restart one round asks again and learns the same.
   */
  #refused: { token: string; message: string } | null = null;
  /**
   * The pin head office's key did not match at the last round (tls.ts): sync stays stopped at the handshake,
   * and a supervisor may enrol the seat again (an administrator checked the new key is head office's).
   */
  #mismatchedPin: string | null = null;

  constructor(store: SeatStore, options: SeatSyncOptions = {}) {
    this.#store = store;
    this.#options = { intervalMs: 30_000, maxBackoffMs: 60_000, ...options };
  }

  status(): SyncStatus {
    const { pending } = this.#store.outboxStatus();
    // Credentials sealed under another key (a database copied here) read as unset: the seat says why.
    const unreadable = this.#store.unreadableSecrets();
    const config = this.#store.syncConfig();
    const refused = this.tokenRefused() ? this.#refused : null;
    return {
      state: !config ? 'not_configured' : refused ? 'offline' : this.#state,
      pending,
      uploads: this.#store.uploadsWaiting(),
      lastError:
        refused?.message ??
        this.#lastError ??
        (unreadable.length > 0
          ? `${new SecretUnreadable('密钥不匹配').message}（${unreadable.join('、')}）`
          : null),
      notice: this.#notice,
      lastSyncAt: this.#lastSyncAt,
      refused: this.#store.refusedCount(),
      clockOffsetMs: this.#clockOffsetMs,
      tokenRefused: this.tokenRefused(),
      ...(config?.pin ? { hqPin: config.pin } : {}),
      ...(this.pinMismatch() ? { pinMismatch: true } : {}),
    };
  }

  /** Enrolled (again): what was said of the old token no longer holds; a round now. */
  enrolled(): void {
    this.#refused = null;
    this.#failures = 0;
    this.#set(this.#state === 'not_configured' ? 'not_configured' : 'syncing', null);
    this.nudge();
  }

  /** Head office presented another key than this seat's pin at the last round: it may be enrolled again. */
  pinMismatch(): boolean {
    const pin = this.#store.syncConfig()?.pin;
    return pin !== undefined && pin === this.#mismatchedPin;
  }

  /** Head office refused this seat's current token: it must be enrolled again. */
  tokenRefused(): boolean {
    const config = this.#store.syncConfig();
    return config !== null && config.token === this.#refused?.token;
  }

  start(): void {
    this.#stopped = false;
    this.#loop ??= this.#run();
  }

  /** Something new to send (the outbox grew): a round now rather than at the next interval. */
  nudge(): void {
    this.#again = true;
    this.#wake?.();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#loop;
    this.#loop = null;
  }

  #set(state: SyncStatus['state'], error: string | null = this.#lastError): void {
    this.#state = state;
    this.#lastError = error;
    this.#options.onStatus?.(this.status());
  }

  #sleep(ms: number): Promise<void> {
    if (this.#again || this.#stopped) {
      this.#again = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.#wake = null;
        self.#again = false;
        resolve();
      }
      this.#wake = done;
    });
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      const config = this.#store.syncConfig();
      if (!config) {
        this.#set('not_configured', null);
        await this.#sleep(this.#options.intervalMs);
        continue;
      }
      if (this.#refused?.token === config.token) {
        if (this.#state !== 'offline' || this.#lastError !== this.#refused.message) {
          this.#set('offline', this.#refused.message);
        }
        await this.#sleep(this.#options.intervalMs);
        continue;
      }
      try {
        await this.round();
        this.#failures = 0;
        this.#lastSyncAt = new Date().toISOString();
        this.#set('online', null);
        await this.#sleep(this.#options.intervalMs);
      } catch (error) {
        this.#failures += 1;
        const message = this.tokenRefused()
          ? (this.#refused?.message ?? '')
          : error instanceof HqUnreachable || error instanceof HqRefused
            ? error.message
            : String(error);
        // An untrusted head office (a pin mismatch, plain HTTP off this computer) is logged once, when it starts.
        if (error instanceof HqUntrusted && message !== this.#lastError)
          console.error(`seat sync: ${message}`);
        else if (!(error instanceof HqUnreachable)) console.warn('seat sync: round failed', error);
        this.#set('offline', message);
        const wait = Math.min(this.#options.maxBackoffMs, 500 * 2 ** Math.min(this.#failures, 10));
        await this.#sleep(wait);
      }
    }
  }

  /** One full round; throws when head office is unreachable or refuses. Exposed for tests. */
  async round(): Promise<void> {
    const config = this.#store.syncConfig();
    const seat = this.#store.seat();
    if (!config || !seat) return;
    if (this.#refused?.token === config.token) {
      throw new HqRefused(401, { code: 'UNAUTHENTICATED', message: this.#refused.message });
    }
    try {
      await this.#round(config, seat.id);
      this.#mismatchedPin = null;
    } catch (error) {
      if (error instanceof HqUntrusted && error.message === PIN_MISMATCH_MESSAGE)
        this.#mismatchedPin = config.pin ?? null;
      if (error instanceof HqRefused && error.status === 401) {
        // Head office's own words when it revoked the token; for a token it does not know, the way out too.
        const message = error.message.includes('重新登记')
          ? error.message
          : `${error.message}，请主管重新登记本坐席`;
        this.#refused = { token: config.token, message };
      }
      throw error;
    }
  }

  async #round(config: SyncConfig, seatId: string): Promise<void> {
    const clock = () => new Date(this.#store.now());
    const client = new HqClient(config, { seatToken: config.token }, clock);
    // 同步中 only while head office answers: a try that is about to fail leaves 离线 as it is.
    const work = () => this.#store.outboxStatus().pending > 0 || this.#store.pendingUploads(1).length > 0;
    if (this.#state !== 'offline' && work()) this.#set('syncing');
    const sent = clock().getTime();
    const health = await client.health();
    this.#measureClock(sent, clock().getTime(), health.hqTime);
    if (this.#state === 'offline' && work()) this.#set('syncing');
    await this.#push(client, seatId);
    await this.#pull(client);
    await this.#upload(client);
    this.#store.pruneRecordings();
  }

  async #push(client: HqClient, seatId: string): Promise<void> {
    for (let guard = 0; guard < 10_000; guard++) {
      const entries = this.#store.unackedEntries(PUSH_MAX_ENTRIES);
      if (entries.length === 0) return;
      try {
        const { appliedSeq, refused } = await client.push({ seatId, entries });
        this.#rebased(this.#store.acknowledge(appliedSeq, refused));
        if (refused.length > 0) {
          console.error(
            `seat sync: head office quarantined ${refused.length} entries: ${refused.map((r) => r.message).join('; ')}`,
          );
        }
      } catch (error) {
        if (error instanceof HqRefused && error.body.appliedSeq !== undefined) {
          // Head office has up to appliedSeq: acknowledge that much and send again from the seq it expects.
          if (error.body.code === 'SEQ_GAP') {
            this.#rebased(this.#store.acknowledge(error.body.appliedSeq));
            if ((entries[0]?.seq ?? 0) <= error.body.appliedSeq) continue;
          }
          // Head office holds other entries under these numbers (this seat was restored from a backup): this
          // seat's entries from there on are numbered after head office's, then sent.
          if (error.body.code === 'SEQ_CONFLICT' && error.body.conflictSeq !== undefined) {
            this.#rebased(this.#store.rebaseOutbox(error.body.conflictSeq, error.body.appliedSeq));
            continue;
          }
        }
        throw error;
      }
      this.#options.onOutbox?.();
      this.#options.onStatus?.(this.status());
    }
  }

  /**
   * The seat's clock against head office's: the midpoint of the request's round trip minus head office's time
   * (the network's delay cancels out). More than two minutes off, the agent is told, since the times the seat
   * writes (calls, commits) are then wrong until head office corrects them.
   */
  #measureClock(sentMs: number, receivedMs: number, hqTime: string): void {
    const offset = Math.round((sentMs + receivedMs) / 2 - Date.parse(hqTime));
    const before = this.#clockOffsetMs;
    this.#clockOffsetMs = offset;
    const off = Math.abs(offset) > CLOCK_WARN_MS;
    if (off && (before === null || Math.abs(before) <= CLOCK_WARN_MS)) {
      console.warn(`seat sync: this computer's clock is ${Math.round(offset / 1000)} s off head office's`);
    }
  }

  /** Says so when the outbox had to be numbered again (see SeatStore.rebaseOutbox); the audit trail keeps it. */
  #rebased(rebase: Rebase | null): void {
    if (rebase === null) return;
    this.#notice =
      rebase.moved > 0
        ? `本坐席数据曾从备份恢复：总部已有第 ${rebase.fromSeq}–${rebase.hqSeq} 号记录，本机 ${rebase.moved} 条未上传的记录已改为第 ${rebase.hqSeq + 1} 号起重新上传，没有记录丢失`
        : `本坐席数据曾从备份恢复：总部已有至第 ${rebase.hqSeq} 号的记录，本机新记录将从第 ${rebase.hqSeq + 1} 号起编号`;
    console.warn(`seat sync: ${this.#notice}`);
  }

  async #pull(client: HqClient): Promise<void> {
    for (let guard = 0; guard < 10_000; guard++) {
      const page = await client.pull(this.#store.pullCursor());
      const touched = this.#store.applyPull(page);
      if (touched.length > 0) this.#options.onTasks?.(touched);
      if (!page.more) return;
    }
  }

  async #upload(client: HqClient): Promise<void> {
    for (const recording of this.#store.pendingUploads(50)) {
      const before = await client.stored(recording.id);
      if (!before.stored) {
        try {
          await client.upload(recording, this.#store);
        } catch (error) {
          // A refusal (the file no longer matches its hash, say) must not block the others: reported, kept.
          if (error instanceof HqRefused) {
            console.error(`seat sync: recording ${recording.id} refused by head office: ${error.message}`);
            this.#lastError = error.message;
            continue;
          }
          throw error;
        }
      }
      const after = await client.stored(recording.id);
      if (after.stored && after.sha256 === recording.sha256) this.#store.markStored(recording.id);
      this.#options.onStatus?.(this.status());
    }
  }
}
