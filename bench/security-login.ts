import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../hq/app';
import { hashPassword, verifyPassword } from '../hq/auth/password';
import type { Hq } from '../hq/context';
import { openHqDb } from '../hq/db/database';
import { DirectoryRecordingStore } from '../hq/recordings/store';
import { upsertUser } from '../hq/reference';
import { type Figure, figure, size } from './report';

/**
 * login_guesses_per_min: an attacker at one client address guesses at one user code of a real head office
 * (PGlite, OWASP's scrypt cost, its own throttle) as fast as it answers, for a window of wall-clock time;
 * the figure is the guesses head office actually checked (a 401, not a 429 or 423) per minute. Target ≤ 10.
 * The baseline is what the same machine would check without a throttle: scrypt verifications of the same
 * cost, one after another, over the same window (the before: every guess answered).
 */
export async function loginGuessFigures(): Promise<Figure[]> {
  const windowMs = size(60_000, 4_000);
  const dir = join(tmpdir(), `bench-login-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const db = await openHqDb({ dataDir: join(dir, 'pgdata') });
  const hq: Hq = {
    db,
    recordings: new DirectoryRecordingStore(join(dir, 'recordings')),
    now: () => new Date(),
  };
  const hash = await hashPassword('Zhengque#Mima-2027');
  await upsertUser(db.db, {
    code: 'HQ01',
    name: '总部管理员',
    role: 'admin',
    branchId: null,
    passwordHash: hash,
  });
  const app = await buildApp(hq, { uploadsDir: join(dir, 'uploads') });
  try {
    let checked = 0;
    let held = 0;
    const started = performance.now();
    for (let i = 0; performance.now() - started < windowMs; i++) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/login',
        payload: { code: 'HQ01', password: `guess-${i}` },
        remoteAddress: '198.51.100.7',
      });
      if (res.statusCode === 401) checked++;
      else if (res.statusCode === 429 || res.statusCode === 423) held++;
      else throw new Error(`a guess answered ${res.statusCode}: ${res.body}`);
    }
    const minutes = (performance.now() - started) / 60_000;
    if (held === 0) throw new Error('no guess was held back: the throttle did not act');

    let verified = 0;
    const baseStart = performance.now();
    while (performance.now() - baseStart < windowMs) {
      await verifyPassword(`guess-${verified}`, hash);
      verified++;
    }
    const baseMinutes = (performance.now() - baseStart) / 60_000;
    return [
      figure(
        'security',
        'login_guesses_per_min',
        'guesses/min',
        checked / minutes,
        verified / baseMinutes,
        checked + held,
      ),
    ];
  } finally {
    await app.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
