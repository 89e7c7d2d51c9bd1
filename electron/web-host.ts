/**
 * The web host: the seat's contract over a WebSocket, and the renderer build over HTTP, in plain Node (never
 * `electron`). It is what end-to-end tests drive in real Chromium, and the browser seat where no Electron
 * binary exists.
 *
 * HTTP serves `staticDir` (GET/HEAD, no listings, no traversal) with a strict CSP on every response.
 * `/seat` upgrades to a WebSocket only when the `Origin` is this host's own origin and the per-launch token is
 * offered as a subprotocol (`new WebSocket(url, ['seat.v1', 'token.' + token])`). Each socket is one seat
 * connection with its own session. Wire format (JSON text frames):
 *   client → `{ id, method, args }`;  server → `{ id, result }` (the dispatcher's `Result`) or `{ event, payload }`.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import { type Duplex, Readable } from 'node:stream';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { z } from 'zod';
import type { Result } from '../shared/contract';
import { SEAT_PLAYBACK_ROUTE } from '../shared/contract/review';
import { CONTENT_SECURITY_POLICY } from '../shared/csp';
import { playbackHeaders } from './seat/review';
import type { Seat, SeatConnection } from './seat/seat';

/** The subprotocol the server selects; the client offers it together with `token.<token>`. */
export const SEAT_PROTOCOL = 'seat.v1';
const TOKEN_PREFIX = 'token.';
/** The WebSocket path. */
export const SEAT_PATH = '/seat';

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
  '.ogg': 'audio/ogg',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
  '.webm': 'audio/webm',
};

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>坐席界面尚未构建</title></head>
<body>
<h1>坐席界面尚未构建</h1>
<p>找不到坐席界面的构建文件。请先运行 npm run build，然后重新启动坐席。</p>
</body>
</html>
`;

const BAD_REQUEST: Result<never> = { ok: false, error: { code: 'BAD_REQUEST', message: '请求格式不正确' } };
const INTERNAL: Result<never> = {
  ok: false,
  error: { code: 'INTERNAL', message: '坐席程序内部错误，请重试；如仍失败请联系管理员' },
};

const RequestId = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const RequestFrame = z.object({ id: RequestId, method: z.string().max(200), args: z.unknown() }).strict();

export interface WebHostOptions {
  /** The seat whose contract is served; each socket becomes one `seat.connect` connection. */
  seat: Pick<Seat, 'connect' | 'dispatch'> & Partial<Pick<Seat, 'review'>>;
  /** The renderer build (`out/renderer`); `index.html` is served for `/`. */
  staticDir: string;
  /** Default `127.0.0.1`: only this machine can reach the seat. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** The secret a socket must present; default 32 random bytes, base64url, new at every launch. */
  token?: string;
  /** Largest accepted WebSocket frame; a larger one closes the socket with 1009. Default 1 MiB. */
  maxPayloadBytes?: number;
  /** The CSP of each page load (e.g. to allow the configured PBX); default the fixed one. */
  contentSecurityPolicy?: () => string;
  /** Called when a page's socket has presented the token (e.g. to remove the launch page that carried it). */
  onSocket?: () => void;
}

export interface WebHost {
  /** The seat's address (`http://host:port`); a browser opens `${url}/#token=${token}`. */
  url: string;
  /** `http://host:port`: the only `Origin` a socket is accepted from. */
  origin: string;
  token: string;
  /** Closes every socket (and its seat connection) and the server; resolves when all are closed. */
  close(): Promise<void>;
}

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** Starts the web host; resolves once it listens. */
export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const { seat, host = '127.0.0.1', port = 0, maxPayloadBytes = 1024 * 1024 } = options;
  const token = options.token ?? randomBytes(32).toString('base64url');
  if (!/^[A-Za-z0-9_-]{16,}$/.test(token)) {
    throw new Error('web host: the token must be at least 16 base64url characters');
  }
  const tokenDigest = digest(token);
  const root = resolve(options.staticDir);

  const sockets = new Set<WebSocket>();
  const connections = new Set<SeatConnection>();
  let closing = false;

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: maxPayloadBytes,
    clientTracking: false,
    perMessageDeflate: false,
    handleProtocols: () => SEAT_PROTOCOL,
  });

  const server = createServer((req, res) => {
    const csp = options.contentSecurityPolicy ?? (() => CONTENT_SECURITY_POLICY);
    const served = (req.url ?? '').startsWith(SEAT_PLAYBACK_ROUTE)
      ? servePlayback(seat, req, res, csp)
      : serveStatic(root, req, res, csp);
    served.catch(() => {
      // Never a path or an exception text in the answer.
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', '坐席服务内部错误\n', req.method);
      else res.destroy();
    });
  });

  let origin = '';
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const refusal = closing ? 503 : refuseUpgrade(req, origin, tokenDigest);
    if (refusal !== null) {
      refuse(socket, refusal);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (closing) {
        ws.terminate();
        return;
      }
      attach(ws);
      options.onSocket?.();
    });
  });

  function attach(ws: WebSocket): void {
    sockets.add(ws);
    const conn = seat.connect((event, payload) => reply(ws, { event, payload }));
    connections.add(conn);
    ws.on('message', (data, isBinary) => {
      void answer(ws, conn, data, isBinary);
    });
    // Protocol errors (an oversized frame: 1009, invalid UTF-8: 1007) close the socket; nothing to log.
    ws.on('error', () => {});
    ws.on('close', () => {
      sockets.delete(ws);
      connections.delete(conn);
      conn.close();
    });
  }

  async function answer(ws: WebSocket, conn: SeatConnection, data: RawData, isBinary: boolean) {
    let frame: unknown;
    try {
      if (isBinary) throw new Error('binary frame');
      frame = JSON.parse(rawText(data));
    } catch {
      reply(ws, { result: BAD_REQUEST });
      return;
    }
    const parsed = RequestFrame.safeParse(frame);
    if (!parsed.success) {
      const id = RequestId.safeParse((frame as { id?: unknown } | null)?.id);
      reply(ws, id.success ? { id: id.data, result: BAD_REQUEST } : { result: BAD_REQUEST });
      return;
    }
    const { id, method, args } = parsed.data;
    let result: Result<unknown>;
    try {
      result = await seat.dispatch(conn, method, args);
    } catch {
      result = INTERNAL; // dispatch never throws; this is the last line, not the plan
    }
    reply(ws, { id, result });
  }

  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      done();
    });
  });
  const address = server.address() as AddressInfo;
  origin = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;

  return {
    url: origin,
    origin,
    token,
    close: () => {
      closing = true;
      for (const conn of connections) conn.close();
      connections.clear();
      const socketsClosed = [...sockets].map(
        (ws) =>
          new Promise<void>((done) => {
            ws.once('close', () => done());
            ws.close(1001, 'seat host closing');
            // A peer that does not answer the closing handshake is cut off.
            setTimeout(() => ws.terminate(), 1000).unref();
          }),
      );
      return Promise.all(socketsClosed).then(
        () =>
          new Promise<void>((done) => {
            wss.close();
            server.close(() => done());
            server.closeAllConnections();
          }),
      );
    },
  };
}

/** The HTTP status refusing an upgrade, or null when the socket may open. */
function refuseUpgrade(req: IncomingMessage, origin: string, tokenDigest: Buffer): number | null {
  const path = (req.url ?? '').split('?')[0];
  if (path !== SEAT_PATH) return 404;
  if (req.headers.origin !== origin) return 403;
  const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  if (!offered.includes(SEAT_PROTOCOL)) return 401;
  const presented = offered.find((p) => p.startsWith(TOKEN_PREFIX));
  if (presented === undefined) return 401;
  // Compare digests: equal lengths, so timingSafeEqual reveals neither the token nor its length.
  return timingSafeEqual(digest(presented.slice(TOKEN_PREFIX.length)), tokenDigest) ? null : 401;
}

const REASONS: Readonly<Record<number, string>> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  503: 'Service Unavailable',
};

function refuse(socket: Duplex, status: number): void {
  const body = status === 404 ? '未找到\n' : '拒绝连接坐席服务\n';
  const headers = [
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}`,
    'Connection: close',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries(SECURITY_HEADERS).map(([k, v]) => `${k}: ${v}`),
  ];
  socket.end(`${headers.join('\r\n')}\r\n\r\n${body}`);
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

function reply(ws: WebSocket, message: unknown): void {
  if (ws.readyState !== ws.OPEN) return;
  ws.send(JSON.stringify(message));
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  method: string | undefined,
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    ...extra,
  });
  res.end(method === 'HEAD' ? undefined : body);
}

/**
 * The file a request path names under `root`, or a status: 400 for a path that tries to leave `root`
 * (`..`, encoded slashes, NUL), 404 for hidden or absent files.
 */
function resolvePath(root: string, rawUrl: string): string | 400 | 404 {
  const rawPath = rawUrl.split(/[?#]/)[0] ?? '';
  if (!rawPath.startsWith('/')) return 400;
  const segments: string[] = [];
  for (const raw of rawPath.split('/').slice(1)) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return 400;
    }
    if (segment === '..' || /[/\\\0]/.test(segment)) return 400;
    if (segment === '' || segment === '.') continue;
    if (segment.startsWith('.')) return 404;
    segments.push(segment);
  }
  if (rawPath.endsWith('/') && segments.length > 0) return 404; // a directory: never listed
  const file = resolve(root, segments.length === 0 ? 'index.html' : join(...segments));
  return file === root || file.startsWith(root + sep) ? file : 400;
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

/**
 * A supervisor's playback (`/hq-playback/<grant token>`): streamed from head office, the player's Range passed
 * on, so the player seeks without the seat holding the file. The token is the grant head office gave for that
 * recording (audited there); nothing else is needed or accepted.
 */
async function servePlayback(
  seat: Partial<Pick<Seat, 'review'>>,
  req: IncomingMessage,
  res: ServerResponse,
  csp: () => string,
): Promise<void> {
  const method = req.method;
  if (method !== 'GET' && method !== 'HEAD') {
    send(res, 405, 'text/plain; charset=utf-8', '不支持的请求方法\n', method, { Allow: 'GET, HEAD' });
    return;
  }
  const token = (req.url ?? '').slice(SEAT_PLAYBACK_ROUTE.length).split('?')[0] ?? '';
  if (!seat.review) {
    send(res, 404, 'text/plain; charset=utf-8', '未找到\n', method);
    return;
  }
  const upstream = await seat.review.stream(token, req.headers.range ?? null);
  res.writeHead(upstream.status, {
    ...SECURITY_HEADERS,
    'Content-Security-Policy': csp(),
    ...playbackHeaders(upstream),
  });
  if (method === 'HEAD' || !upstream.body) {
    await upstream.body?.cancel();
    res.end();
    return;
  }
  const body = Readable.fromWeb(upstream.body as import('node:stream/web').ReadableStream<Uint8Array>);
  res.on('close', () => body.destroy());
  body.on('error', () => res.destroy());
  body.pipe(res);
}

async function serveStatic(
  root: string,
  req: IncomingMessage,
  res: ServerResponse,
  csp: () => string,
): Promise<void> {
  const method = req.method;
  if (method !== 'GET' && method !== 'HEAD') {
    send(res, 405, 'text/plain; charset=utf-8', '不支持的请求方法\n', method, { Allow: 'GET, HEAD' });
    return;
  }
  if (!(await isFile(join(root, 'index.html')))) {
    send(res, 503, 'text/html; charset=utf-8', NOT_BUILT_PAGE, method);
    return;
  }
  const target = resolvePath(root, req.url ?? '/');
  if (target === 400) {
    send(res, 400, 'text/plain; charset=utf-8', '请求路径不正确\n', method);
    return;
  }
  // Symbolic links must not lead out of the build either.
  const real = target === 404 ? null : await realpath(target).catch(() => null);
  const realRoot = await realpath(root);
  if (real === null || !(real.startsWith(realRoot + sep) && (await isFile(real)))) {
    send(res, 404, 'text/plain; charset=utf-8', '未找到\n', method);
    return;
  }
  const size = (await stat(real)).size;
  const isIndex = real === join(realRoot, 'index.html');
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Security-Policy': csp(),
    'Content-Type': CONTENT_TYPES[extname(real).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': size,
    'Cache-Control': isIndex ? 'no-store' : 'no-cache',
  });
  if (method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(real);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
