import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../..');

/** Head office as `npm run hq` starts it, in its own process, on a random port; resolves with its URL. */
export function startHqProcess(env: {
  HQ_DATA_DIR: string;
  DATABASE_URL?: string | undefined;
  HQ_PORT?: string;
  HQ_TLS_CERT?: string;
  HQ_TLS_KEY?: string;
  /** HQ01's first password; null starts head office without one (it makes one and prints it). */
  HQ_ADMIN_PASSWORD?: string | null;
}) {
  const { HQ_ADMIN_PASSWORD: _given, ...inherited } = process.env;
  const { HQ_ADMIN_PASSWORD: admin, ...rest } = env;
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'hq/main.ts'], {
    cwd: REPO,
    env: {
      ...inherited,
      ...rest,
      ...(env.DATABASE_URL ? {} : { DATABASE_URL: '' }),
      HQ_PORT: env.HQ_PORT ?? '0',
      ...(admin === null ? {} : { HQ_ADMIN_PASSWORD: admin ?? 'Zongbu#2026' }),
    },
  });
  let out = '';
  const url = new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`head office did not start:\n${out}`)), 60_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = out.match(/总部服务已启动：(\S+?)（/);
      if (m?.[1]) {
        clearTimeout(timer);
        done(m[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => fail(new Error(`head office exited ${code}:\n${out}`)));
  });
  return {
    child,
    url,
    /** What it printed so far (stdout and stderr). */
    output: () => out,
    /** Stops it as an operator would (SIGINT: it closes its database) and waits for the exit. */
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGINT');
      }),
  };
}

/** A TCP port free right now on 127.0.0.1 (head office restarted on the same address, as in production). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
