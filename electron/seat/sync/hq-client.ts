import { createHash } from 'node:crypto';
import { createWriteStream, readFileSync, rmSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tus from 'tus-js-client';
import { fetch, type Response } from 'undici';
import type { z } from 'zod';
import {
  ALREADY_STORED,
  Enrolment,
  HealthResponse,
  LoginResponse,
  PullResponse,
  type PushRequest,
  PushResponse,
  StoredResponse,
  SyncErrorBody,
} from '../../../shared/contract/sync';
import { type HqTarget, HqTransport, tlsFailure, tlsFailureMessage, transportFor, urlProblem } from './tls';

/** Head office could not be reached (network, timeout, a 5xx): the seat stays offline and tries again. */
export class HqUnreachable extends Error {
  override readonly name: string = 'HqUnreachable';
}

/**
 * Head office must not be talked to: its address is plain HTTP to another computer, or the certificate it
 * presented fails verification or is not the one pinned at enrolment (tls.ts). Nothing was sent (the TLS
 * handshake fails before a request); the seat works on offline and its sync status says why.
 */
export class HqUntrusted extends HqUnreachable {
  override readonly name = 'HqUntrusted';
}

/** A failed connection as the seat reports it: untrusted when TLS said no, else unreachable. */
function unreachable(error: unknown): HqUnreachable {
  const tls = tlsFailure(error);
  if (tls) return new HqUntrusted(tlsFailureMessage(tls), { cause: error });
  const cause = (error as Error).cause;
  // undici says only "fetch failed"; the reason (ECONNREFUSED, a timeout) is its cause.
  const detail = cause instanceof Error ? cause.message : (error as Error).message;
  return new HqUnreachable(`总部服务无法连接（${detail}）`, { cause: error });
}

/** Head office answered and refused: the body says why (in Chinese) and, for a gap, from where to resend. */
export class HqRefused extends Error {
  override readonly name = 'HqRefused';
  constructor(
    readonly status: number,
    readonly body: SyncErrorBody,
  ) {
    super(body.message);
  }
}

export interface UploadStore {
  uploadUrl(recordingId: string): string | null;
  saveUploadUrl(recordingId: string, url: string | null): void;
}

const TIMEOUT_MS = 20_000;
/** A login waits less: past this the seat checks the agent's offline verifier instead (Review.login). */
const LOGIN_TIMEOUT_MS = 8_000;

/** What made a tus request fail (its DetailedError keeps the connection's error apart from `cause`). */
function tusCause(error: Error): unknown {
  return (error as tus.DetailedError).causingError ?? error;
}

/** A tus refusal saying head office already holds the recording, verified (ALREADY_STORED). */
function alreadyStored(error: Error): boolean {
  const res = (error as tus.DetailedError).originalResponse;
  return res?.getStatus() === 409 && (res.getBody() ?? '').includes(ALREADY_STORED);
}

/**
 * Head office's API as the seat uses it: JSON over HTTPS (HTTP to loopback only) validated with the sync
 * contract, and tus; every connection through the target's transport (tls.ts: its CA, its pin).
 */
export class HqClient {
  readonly baseUrl: string;
  readonly #target: HqTarget | HqTransport;

  constructor(
    /** Head office's address, the stored sync config (address, CA, pin) or a transport of its own (enrolment). */
    target: string | HqTarget | HqTransport,
    private readonly auth: { seatToken?: string; userToken?: string } = {},
    /** The seat's clock: sent with every request, so head office measures how far off it is. */
    private readonly now: () => Date = () => new Date(),
  ) {
    this.#target = typeof target === 'string' ? { hqUrl: target } : target;
    this.baseUrl = this.#target instanceof HqTransport ? this.#target.target.hqUrl : this.#target.hqUrl;
  }

  /** The transport to use; refuses (before anything is sent) an address that is plain HTTP off this computer. */
  #transport(): HqTransport {
    const problem = urlProblem(this.baseUrl);
    if (problem) throw new HqUntrusted(problem);
    return this.#target instanceof HqTransport ? this.#target : transportFor(this.#target);
  }

  async #request<S extends z.ZodType>(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    schema: S,
    body?: unknown,
    timeoutMs = TIMEOUT_MS,
  ): Promise<z.output<S>> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    headers['x-seat-time'] = this.now().toISOString();
    if (this.auth.seatToken) headers.authorization = `Seat ${this.auth.seatToken}`;
    else if (this.auth.userToken) headers.authorization = `Bearer ${this.auth.userToken}`;
    const { dispatcher } = this.#transport();
    let res: Response;
    try {
      res = await fetch(new URL(path, this.baseUrl), {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
        dispatcher,
      });
    } catch (error) {
      throw unreachable(error);
    }
    const text = await res.text();
    if (res.status >= 500) throw new HqUnreachable(`总部服务暂时不可用（HTTP ${res.status}）`);
    const json = (() => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return null;
      }
    })();
    if (!res.ok) {
      const parsed = SyncErrorBody.safeParse(json);
      throw new HqRefused(
        res.status,
        parsed.success
          ? parsed.data
          : { code: 'BAD_REQUEST', message: `总部拒绝了请求（HTTP ${res.status}）` },
      );
    }
    return schema.parse(json);
  }

  /** Whether head office answers at all. */
  health() {
    return this.#request('GET', '/api/health', HealthResponse);
  }

  login(code: string, password: string) {
    return this.#request('POST', '/api/login', LoginResponse, { code, password }, LOGIN_TIMEOUT_MS);
  }

  enrol(body: { branchId: string; name: string; seatId: string }) {
    return this.#request('POST', '/api/seats', Enrolment, body);
  }

  push(request: PushRequest) {
    return this.#request('POST', '/api/sync/push', PushResponse, request);
  }

  pull(cursor: number, limit = 500) {
    return this.#request('GET', `/api/sync/pull?cursor=${cursor}&limit=${limit}`, PullResponse);
  }

  stored(recordingId: string) {
    return this.#request('GET', `/api/recordings/${recordingId}/stored`, StoredResponse);
  }

  // ---- the supervisor workspace (a user's session) ----

  /** A head-office route answered as `schema` (the review contract's); `query` becomes the query string. */
  get<S extends z.ZodType>(path: string, schema: S, query: Record<string, string | number | undefined> = {}) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
    const search = params.size > 0 ? `?${params}` : '';
    return this.#request('GET', `${path}${search}`, schema);
  }

  post<S extends z.ZodType>(path: string, schema: S, body: unknown) {
    return this.#request('POST', path, schema, body);
  }

  put<S extends z.ZodType>(path: string, schema: S, body: unknown) {
    return this.#request('PUT', path, schema, body);
  }

  /** A file from head office written to `target` as it arrives, with its SHA-256 computed on the way. */
  async download(
    path: string,
    target: string,
  ): Promise<{ sha256: string; sizeBytes: number; headers: Headers }> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.auth.userToken ?? ''}` };
    const abort = new AbortController();
    const res = await this.#open(path, headers, abort);
    if (res.status >= 500) throw new HqUnreachable(`总部服务暂时不可用（HTTP ${res.status}）`);
    if (!res.ok || !res.body) {
      const parsed = SyncErrorBody.safeParse(await res.json().catch(() => null));
      throw new HqRefused(
        res.status,
        parsed.success
          ? parsed.data
          : { code: 'BAD_REQUEST', message: `总部拒绝了请求（HTTP ${res.status}）` },
      );
    }
    const hash = createHash('sha256');
    let sizeBytes = 0;
    const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
    body.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      sizeBytes += chunk.length;
    });
    try {
      await pipeline(body, createWriteStream(target));
    } catch (error) {
      // A file cut off (the disk full, the line gone) is not left behind as if it were the recording, and the
      // answer still coming is dropped with its connection (head office would otherwise wait on it).
      abort.abort(error);
      rmSync(target, { force: true });
      throw error;
    }
    return { sha256: hash.digest('hex'), sizeBytes, headers: res.headers };
  }

  /**
   * Opens a playback copy's stream at head office (a grant's path), passing the player's Range on; as the
   * platform's Response, which the seat's hosts (web-host.ts, the app:// handler) hand on as they are.
   */
  async stream(path: string, range: string | null): Promise<globalThis.Response> {
    const res = await this.#open(path, range ? { range } : {});
    return new globalThis.Response(res.body as unknown as ReadableStream<Uint8Array> | null, {
      status: res.status,
      statusText: res.statusText,
      headers: [...res.headers],
    });
  }

  /** A GET whose answer may take long to read: the timeout covers the wait for its headers only. */
  async #open(
    path: string,
    headers: Record<string, string>,
    abort = new AbortController(),
  ): Promise<Response> {
    const { dispatcher } = this.#transport();
    const timer = setTimeout(() => abort.abort(new Error('timeout')), TIMEOUT_MS);
    try {
      return await fetch(new URL(path, this.baseUrl), { headers, signal: abort.signal, dispatcher });
    } catch (error) {
      throw unreachable(error);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Sends a recording by tus, resuming an upload a crash or a lost connection cut off (its URL is kept in the
   * seat's store). Resolves when head office has the whole file and its SHA-256 matched.
   */
  upload(recording: { id: string; path: string; sizeBytes: number }, store: UploadStore): Promise<void> {
    let transport: HqTransport;
    try {
      transport = this.#transport();
    } catch (error) {
      return Promise.reject(error);
    }
    const endpoint = new URL('/api/uploads', this.baseUrl).toString();
    const bytes = readFileSync(recording.path);
    const fingerprint = `recording-${recording.id}`;
    const urlStorage = {
      findAllUploads: async () => [],
      findUploadsByFingerprint: async () => {
        const url = store.uploadUrl(recording.id);
        return url
          ? [
              {
                uploadUrl: url,
                urlStorageKey: fingerprint,
                size: recording.sizeBytes,
                metadata: {},
                creationTime: '',
                parallelUploadUrls: null,
              },
            ]
          : [];
      },
      removeUpload: async () => store.saveUploadUrl(recording.id, null),
      addUpload: async (_fp: string, upload: tus.PreviousUpload) => {
        store.saveUploadUrl(recording.id, upload.uploadUrl ?? null);
        return fingerprint;
      },
    };
    return new Promise((resolve, reject) => {
      const upload = new tus.Upload(bytes, {
        endpoint,
        // node:https with the same CA, name check and pin as every other request (tus's own HTTP stack).
        httpStack: new tus.DefaultHttpStack(transport.requestOptions(endpoint)),
        headers: { authorization: `Seat ${this.auth.seatToken ?? ''}` },
        metadata: { recordingId: recording.id },
        // A 30-minute call is about 13 MB: two requests. Resuming asks head office for its offset, so a cut
        // costs at most what was in flight; 1 MiB chunks spent a third of the time on the requests themselves.
        chunkSize: 8 * 1024 * 1024,
        retryDelays: [0, 1000, 3000],
        urlStorage,
        fingerprint: async () => fingerprint,
        storeFingerprintForResuming: true,
        removeFingerprintOnSuccess: true,
        onSuccess: () => resolve(),
        // Head office holds it already (the answer to the last chunk was lost): no retrying, it is done.
        // Otherwise tus's own rule: a 4xx is final, but for 409 (offset moved) and 423 (locked).
        onShouldRetry: (error) => {
          if (alreadyStored(error) || tlsFailure(tusCause(error))) return false;
          const status = error.originalResponse?.getStatus() ?? 0;
          return status < 400 || status >= 500 || status === 409 || status === 423;
        },
        onError: (error) => {
          if (alreadyStored(error)) return resolve();
          const status = (error as tus.DetailedError).originalResponse?.getStatus() ?? 0;
          const body = (error as tus.DetailedError).originalResponse?.getBody() ?? '';
          const tls = tlsFailure(tusCause(error));
          reject(
            tls
              ? new HqUntrusted(tlsFailureMessage(tls), { cause: error })
              : status >= 400 && status < 500
                ? new HqRefused(status, { code: 'BAD_REQUEST', message: body || error.message })
                : new HqUnreachable(`录音上传中断（${error.message}）`, { cause: error }),
          );
        },
      });
      void upload.findPreviousUploads().then((previous) => {
        if (previous[0]) upload.resumeFromPreviousUpload(previous[0]);
        upload.start();
      }, reject);
    });
  }
}
