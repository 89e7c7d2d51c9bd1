import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { v7 as uuidv7 } from 'uuid';
import { buildApp } from '../../hq/app';
import type { Hq } from '../../hq/context';
import { DirectoryRecordingStore } from '../../hq/recordings/store';
import { upsertBranch, upsertUser } from '../../hq/reference';
import type { Enrolment, OutboxEntry } from '../../shared/contract/sync';
import { BRANCH, tempDir } from './fixtures';
import { freshDatabase, type TestDatabase } from './hq-db';

export const OTHER_BRANCH = { branchId: 'BR-BJ-002', branchName: '北京金融街证券营业部' };
export const HQ_PASSWORD = 'Zongbu#2026';

/** Head office in this process on a fresh database of `kind`: two branches, an admin, a Beijing supervisor. */
export async function startHq(
  kind: 'pglite' | 'postgres',
  now: () => Date = () => new Date(),
  options: {
    seatQueue?: number;
    rules?: import('../../hq/rules').Rules;
    passwordCost?: import('../../hq/auth/password').PasswordCost;
  } = {},
) {
  const tmp = tempDir();
  const database: TestDatabase = await freshDatabase(kind, tmp.dir);
  const db = await database.open();
  const hq: Hq = {
    db,
    recordings: new DirectoryRecordingStore(join(tmp.dir, 'recordings')),
    now,
    // Re-hashes at login and the dummy hash at the tests' small cost (test/hq/login.test.ts checks OWASP's).
    passwordCost: { N: 1024 },
    ...options,
  };
  await upsertBranch(db.db, { id: BRANCH.branchId, name: BRANCH.branchName });
  await upsertBranch(db.db, { id: OTHER_BRANCH.branchId, name: OTHER_BRANCH.branchName });
  const { hashPassword } = await import('../../hq/auth/password');
  const passwordHash = await hashPassword(HQ_PASSWORD, { N: 1024 });
  await upsertUser(db.db, { code: 'HQ01', name: '总部管理员', role: 'admin', branchId: null, passwordHash });
  await upsertUser(db.db, {
    code: 'BJ01',
    name: '北京主管',
    role: 'supervisor',
    branchId: OTHER_BRANCH.branchId,
    passwordHash,
  });
  const uploadsDir = join(tmp.dir, 'uploads');
  const app: FastifyInstance = await buildApp(hq, { uploadsDir });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });

  const login = async (code: string) => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/login',
      payload: { code, password: HQ_PASSWORD },
    });
    if (res.statusCode !== 200) throw new Error(`login ${code}: ${res.body}`);
    return (res.json() as { token: string }).token;
  };
  const adminToken = await login('HQ01');
  const enrol = async (branchId = BRANCH.branchId, name = '1 号坐席'): Promise<Enrolment> => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/seats',
      headers: { authorization: `Bearer ${adminToken}` },
      payload: { branchId, name },
    });
    if (res.statusCode !== 201) throw new Error(`enrol: ${res.body}`);
    return res.json() as Enrolment;
  };
  /** Another user of head office, with password HQ_PASSWORD; `branchId` null for head-office roles. */
  const addUser = async (
    code: string,
    role: 'agent' | 'reviewer' | 'supervisor' | 'compliance' | 'admin',
    branchId: string | null,
    name = code,
  ) => upsertUser(db.db, { code, name, role, branchId, passwordHash });
  return {
    hq,
    app,
    addUser,
    url,
    database,
    /** Where head office keeps unfinished uploads (tus parts). */
    uploadsDir,
    login,
    adminToken,
    enrol,
    close: async () => {
      await app.close();
      await db.close();
      await database.drop();
      tmp.cleanup();
    },
  };
}
export type TestHq = Awaited<ReturnType<typeof startHq>>;

/** One outbox entry as a seat's store writes it for an audited login (what the sync tests push). */
export function auditEntry(seatId: string, seq: number): OutboxEntry {
  const id = uuidv7();
  return {
    seq,
    kind: 'audit',
    entityId: id,
    createdAt: '2026-11-26T02:00:00.000Z',
    payload: {
      id,
      at: '2026-11-26T02:00:00.000Z',
      seatId,
      agentId: null,
      action: 'session.login',
      entityType: 'agent',
      entityId: `A${String(seq).padStart(3, '0')}`,
      detail: {},
    },
  };
}
