import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Seat, type SeatConnection } from '../../electron/seat/seat';
import { startWebHost, type WebHost } from '../../electron/web-host';
import { CONTENT_SECURITY_POLICY } from '../../shared/csp';
import { BRANCH, PASSWORD, smallBranch, tempDir } from '../support/fixtures';

const INDEX = '<!doctype html><html lang="zh-CN"><head><title>坐席</title></head><body></body></html>\n';
const SECRET = 'outside-the-build-do-not-serve';
const BAD_REQUEST = { ok: false, error: { code: 'BAD_REQUEST', message: '请求格式不正确' } };

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request: the path goes out exactly as written (no client-side normalisation of `..`). */
function http(origin: string, path: string, method = 'GET'): Promise<Answer> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

const wsUrl = (host: WebHost) => `${host.origin.replace(/^http/, 'ws')}/seat`;

type Frame = { id?: number; result?: unknown; event?: string; payload?: unknown };

/** A `ws` client speaking the wire format, recording every frame it receives. */
class Client {
  readonly frames: Frame[] = [];
  #waiters: { match: (f: Frame) => boolean; done: (f: Frame) => void }[] = [];
  #nextId = 1;
  readonly closed: Promise<number>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Frame;
      this.frames.push(frame);
      this.#waiters = this.#waiters.filter((w) => {
        if (!w.match(frame)) return true;
        w.done(frame);
        return false;
      });
    });
    this.closed = new Promise((resolve) => ws.on('close', (code) => resolve(code)));
  }

  static open(host: WebHost, protocols = ['seat.v1', `token.${host.token}`]): Promise<Client> {
    const ws = new WebSocket(wsUrl(host), protocols, { origin: host.origin });
    const client = new Client(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  /** The first frame (already received or still to come) that matches. */
  next(match: (f: Frame) => boolean): Promise<Frame> {
    const seen = this.frames.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((done) => this.#waiters.push({ match, done }));
  }

  event(name: string): Promise<unknown> {
    return this.next((f) => f.event === name).then((f) => f.payload);
  }

  async call(method: string, args: unknown = {}): Promise<unknown> {
    const id = this.#nextId++;
    this.ws.send(JSON.stringify({ id, method, args }));
    return (await this.next((f) => f.id === id && 'result' in f)).result;
  }

  /** Sends raw text and waits for the next answer frame (one with a result) after those seen so far. */
  async raw(text: string | Buffer): Promise<Frame> {
    const before = this.frames.length;
    this.ws.send(text);
    return this.next((f) => 'result' in f && this.frames.indexOf(f) >= before);
  }
}

/** The status a refused upgrade is answered with; fails if the socket opens. */
function refusal(url: string, protocols: string[], origin?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, origin === undefined ? {} : { origin });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      ws.close();
      reject(new Error('the socket was accepted'));
    });
    ws.on('error', () => {});
  });
}

describe('the web host', () => {
  let tmp: ReturnType<typeof tempDir>;
  let seat: Seat;
  let staticDir: string;
  let connects = 0;
  let closes = 0;
  const hosts: WebHost[] = [];
  const clients: Client[] = [];

  /** The host over a counting wrapper of the seat: every socket's seat connection is visible. */
  const start = async (options: { staticDir?: string; maxPayloadBytes?: number } = {}) => {
    const host = await startWebHost({
      seat: {
        dispatch: seat.dispatch,
        connect: (push) => {
          connects++;
          const conn = seat.connect(push);
          const counted: SeatConnection = Object.assign(conn, {
            close: ((close) => () => {
              closes++;
              close();
            })(conn.close),
          });
          return counted;
        },
      },
      staticDir: options.staticDir ?? staticDir,
      ...(options.maxPayloadBytes === undefined ? {} : { maxPayloadBytes: options.maxPayloadBytes }),
    });
    hosts.push(host);
    return host;
  };
  const open = async (host: WebHost) => {
    const client = await Client.open(host);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    tmp = tempDir();
    seat = Seat.open({
      dbPath: tmp.file('seat.db'),
      appVersion: '0.1.0-test',
      now: () => new Date('2026-11-26T02:00:00.000Z'),
      onDefect: () => {},
    });
    seat.store.ensureSeat(BRANCH);
    seat.store.importReferenceData((await smallBranch()).batch);
    staticDir = tmp.file('renderer');
    mkdirSync(join(staticDir, 'assets'), { recursive: true });
    writeFileSync(join(staticDir, 'index.html'), INDEX);
    for (const name of [
      'app.js',
      'app.css',
      'logo.svg',
      'logo.png',
      'font.woff2',
      'data.json',
      'app.js.map',
    ]) {
      writeFileSync(join(staticDir, 'assets', name), `/* ${name} */`);
    }
    writeFileSync(join(staticDir, '.env'), 'hidden');
    writeFileSync(tmp.file('secret.txt'), SECRET);
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.ws.terminate();
    await Promise.all(hosts.splice(0).map((h) => h.close()));
  });
  afterAll(() => {
    seat.close();
    tmp.cleanup();
  });

  const expectSecurityHeaders = (a: Answer) => {
    expect(a.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(a.headers['x-content-type-options']).toBe('nosniff');
    expect(a.headers['referrer-policy']).toBe('no-referrer');
    expect(a.headers['cross-origin-opener-policy']).toBe('same-origin');
  };

  it('listens on 127.0.0.1 only, with a fresh 32-byte token per launch', async () => {
    const host = await start();
    const other = await start();
    expect(new URL(host.origin).hostname).toBe('127.0.0.1');
    expect(host.url).toBe(host.origin);
    expect(Buffer.from(host.token, 'base64url')).toHaveLength(32);
    expect(other.token).not.toBe(host.token);
    const { port } = new URL(host.origin);
    // Another address of this machine, if it has one, does not answer.
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal);
    if (external) {
      await expect(http(`http://${external.address}:${port}`, '/')).rejects.toMatchObject({
        code: 'ECONNREFUSED',
      });
    }
  });

  it('serves index.html for / with the CSP, security headers and no-store', async () => {
    const host = await start();
    const index = await http(host.origin, '/');
    expect(index.status).toBe(200);
    expect(index.body).toBe(INDEX);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['cache-control']).toBe('no-store');
    expectSecurityHeaders(index);
    expect((await http(host.origin, '/index.html')).headers['cache-control']).toBe('no-store');

    const types: Record<string, string> = {
      'app.js': 'text/javascript; charset=utf-8',
      'app.css': 'text/css; charset=utf-8',
      'logo.svg': 'image/svg+xml',
      'logo.png': 'image/png',
      'font.woff2': 'font/woff2',
      'data.json': 'application/json; charset=utf-8',
      'app.js.map': 'application/json; charset=utf-8',
    };
    for (const [name, type] of Object.entries(types)) {
      const a = await http(host.origin, `/assets/${name}`);
      expect(a.status, name).toBe(200);
      expect(a.headers['content-type'], name).toBe(type);
      expect(a.body).toBe(`/* ${name} */`);
      expectSecurityHeaders(a);
    }
    const head = await http(host.origin, '/assets/app.js', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-length']).toBe(String('/* app.js */'.length));
    const post = await http(host.origin, '/', 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    expectSecurityHeaders(post);
  });

  it('refuses path traversal, lists no directory and hides dotfiles', async () => {
    const host = await start();
    for (const path of [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/assets%2f..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/index.html%00.js',
    ]) {
      const a = await http(host.origin, path);
      expect(a.status, path).toBe(400);
      expect(a.body).not.toContain(SECRET);
      expectSecurityHeaders(a);
    }
    for (const path of ['/assets', '/assets/', '/.env', '/missing.js']) {
      const a = await http(host.origin, path);
      expect(a.status, path).toBe(404);
      expect(a.body).not.toContain('app.js');
      expectSecurityHeaders(a);
    }
  });

  it('answers a plain Chinese 503 page when the renderer is not built', async () => {
    const host = await start({ staticDir: tmp.file('not-built') });
    const a = await http(host.origin, '/');
    expect(a.status).toBe(503);
    expect(a.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(a.body).toContain('请先运行 npm run build');
    expect(a.body).not.toContain(tmp.dir);
    expectSecurityHeaders(a);
  });

  it('refuses a socket without the token, with a wrong token or from another origin, before the upgrade', async () => {
    const host = await start();
    const before = connects;
    const url = wsUrl(host);
    const otherToken = `token.${Buffer.alloc(32, 7).toString('base64url')}`;
    expect(await refusal(url, [], host.origin)).toBe(401);
    expect(await refusal(url, ['seat.v1'], host.origin)).toBe(401);
    expect(await refusal(url, ['seat.v1', otherToken], host.origin)).toBe(401);
    expect(await refusal(url, ['seat.v1', `token.${host.token.slice(1)}`], host.origin)).toBe(401);
    expect(await refusal(url, [`token.${host.token}`], host.origin)).toBe(401);
    const valid = ['seat.v1', `token.${host.token}`];
    expect(await refusal(url, valid, 'http://evil.example')).toBe(403);
    expect(await refusal(url, valid, host.origin.replace('127.0.0.1', 'localhost'))).toBe(403);
    expect(await refusal(url, valid)).toBe(403);
    expect(await refusal(`${host.origin.replace(/^http/, 'ws')}/other`, valid, host.origin)).toBe(404);
    expect(connects).toBe(before);
  });

  it('logs in over a valid socket, pushes session.changed, and keeps sessions per socket', async () => {
    const host = await start();
    const a = await open(host);
    const b = await open(host);
    expect(a.ws.protocol).toBe('seat.v1');
    const session = await a.call('session.login', { agentCode: 'A001', password: PASSWORD });
    expect(session).toMatchObject({ ok: true, value: { agentCode: 'A001', branchId: BRANCH.branchId } });
    expect(await a.event('session.changed')).toMatchObject({ agentCode: 'A001' });
    expect(await a.event('outbox.changed')).toMatchObject({ pending: expect.any(Number) });

    const list = (await a.call('worklist.list', { limit: 10 })) as {
      ok: true;
      value: { items: unknown[]; total: number };
    };
    expect(list.ok).toBe(true);
    expect(list.value.total).toBe(3);
    expect(JSON.stringify(list)).not.toContain('13812345678');

    expect(await b.call('session.current')).toEqual({ ok: true, value: null });
    expect(await b.call('worklist.list', {})).toMatchObject({
      ok: false,
      error: { code: 'NOT_AUTHENTICATED' },
    });
    expect(b.frames.some((f) => f.event === 'session.changed')).toBe(false);
  });

  it('answers an unknown method with UNKNOWN_METHOD', async () => {
    const host = await start();
    const c = await open(host);
    expect(await c.call('no.such.method')).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
    expect(await c.call('__proto__')).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
    expect(await c.call('seat.info', { extra: 1 })).toMatchObject({
      ok: false,
      error: { code: 'BAD_REQUEST' },
    });
  });

  it('answers malformed frames with BAD_REQUEST and keeps the socket usable', async () => {
    const host = await start();
    const c = await open(host);
    expect(await c.raw('this is not json')).toEqual({ result: BAD_REQUEST });
    expect(await c.raw('null')).toEqual({ result: BAD_REQUEST });
    expect(await c.raw('[1,2,3]')).toEqual({ result: BAD_REQUEST });
    expect(await c.raw(JSON.stringify({ id: 7, method: 5 }))).toEqual({ id: 7, result: BAD_REQUEST });
    expect(await c.raw(JSON.stringify({ id: 8 }))).toEqual({ id: 8, result: BAD_REQUEST });
    expect(await c.raw(JSON.stringify({ id: 9, method: 'seat.info', args: {}, x: 1 }))).toEqual({
      id: 9,
      result: BAD_REQUEST,
    });
    expect(await c.raw(JSON.stringify({ id: -1, method: 'seat.info', args: {} }))).toEqual({
      result: BAD_REQUEST,
    });
    expect(await c.raw(Buffer.from(JSON.stringify({ id: 10, method: 'seat.info', args: {} })))).toEqual({
      result: BAD_REQUEST,
    });
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    expect(await c.call('seat.info')).toMatchObject({ ok: true, value: { branchId: BRANCH.branchId } });
  });

  it('closes a socket that sends a frame over maxPayload with 1009, and its seat connection', async () => {
    const host = await start({ maxPayloadBytes: 1024 });
    const c = await open(host);
    expect(await c.call('seat.info')).toMatchObject({ ok: true });
    const closesBefore = closes;
    c.ws.send(JSON.stringify({ id: 2, method: 'seat.info', args: { pad: 'x'.repeat(2000) } }));
    expect(await c.closed).toBe(1009);
    await expect.poll(() => closes).toBe(closesBefore + 1);
  });

  it('close() closes every socket and its seat connection, and the server', async () => {
    const host = await start();
    const a = await open(host);
    const b = await open(host);
    const closesBefore = closes;
    await host.close();
    expect(await a.closed).toBe(1001);
    expect(await b.closed).toBe(1001);
    expect(closes).toBeGreaterThanOrEqual(closesBefore + 2);
    await expect(http(host.origin, '/')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
