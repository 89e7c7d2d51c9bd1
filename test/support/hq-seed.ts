import { v4 as uuidv4 } from 'uuid';
import { hashPassword } from '../../hq/auth/password';
import type { HqDb } from '../../hq/db/database';
import {
  addPurposes,
  upsertBranch,
  upsertCustomers,
  upsertSalespeople,
  upsertUser,
} from '../../hq/reference';
import type { CallbackType } from '../../shared/domain/callback-types';
import { idCheckChar } from '../../shared/domain/id-number';
import { BRANCH, PASSWORD } from './fixtures';

/**
 * A head office with the seat's branch: administrator HQ01, supervisor SH01 and agents A001/A002 (password
 * PASSWORD), a salesperson, and `customers` customers each with one open task of `purposes`, created `at`
 * (default: now, as head office's own clock is when a test runs a head-office process), due 3 days later.
 */
export async function seedHq(db: HqDb, opts: { customers: number; purposes: CallbackType[]; at?: Date }) {
  const passwordHash = await hashPassword(PASSWORD, { N: 1024 });
  const atMs = (opts.at ?? new Date()).getTime();
  const createdAt = new Date(atMs).toISOString();
  const openedAt = new Date(atMs - 3_600_000).toISOString();
  const deadlineAt = new Date(atMs + 3 * 86_400_000).toISOString();
  const salespersonId = uuidv4();
  const ids = {
    /** When the tasks were created. */
    createdAt,
    agent: uuidv4(),
    salesperson: salespersonId,
    customers: [] as string[],
    /** The customers' ID numbers, in the same order. */
    idNumbers: [] as string[],
    tasks: [] as string[],
  };
  await db.db.transaction().execute(async (tx) => {
    await upsertBranch(tx, { id: BRANCH.branchId, name: BRANCH.branchName });
    await upsertUser(tx, { code: 'HQ01', name: '总部管理员', role: 'admin', branchId: null, passwordHash });
    await upsertUser(tx, {
      code: 'RV01',
      name: '总部复核员',
      role: 'reviewer',
      branchId: null,
      passwordHash,
    });
    await upsertUser(tx, {
      code: 'SH01',
      name: '上海主管',
      role: 'supervisor',
      branchId: BRANCH.branchId,
      passwordHash,
    });
    await upsertUser(tx, {
      id: ids.agent,
      code: 'A001',
      name: '李静',
      role: 'agent',
      branchId: BRANCH.branchId,
      passwordHash,
    });
    await upsertSalespeople(tx, [
      { id: salespersonId, code: 'S001', name: '周建国', branchId: BRANCH.branchId, departedAt: null },
    ]);
    const customers = Array.from({ length: opts.customers }, (_, i) => {
      const first17 = `11010519850101${String(i % 1000).padStart(3, '0')}`;
      return {
        id: uuidv4(),
        name: `客户${String(i + 1).padStart(3, '0')}`,
        idNumber: `${first17}${idCheckChar(first17)}`,
        phone: `138${String(10_000_000 + i).slice(-8)}`,
        branchId: BRANCH.branchId,
        salespersonId,
        introducerId: null,
        openedAt,
        channel: 'counter' as const,
        margin: false,
      };
    });
    await upsertCustomers(tx, customers);
    for (const c of customers) {
      const { taskId } = await addPurposes(
        tx,
        { id: c.id, branchId: c.branchId },
        opts.purposes.map((type) => ({
          type,
          deadlineAt,
          reason: '测试任务',
          salespersonId: type === 'new_account' ? salespersonId : null,
          sourceKey: `test:${c.id}:${type}`,
        })),
        createdAt,
      );
      ids.customers.push(c.id);
      ids.idNumbers.push(c.idNumber);
      ids.tasks.push(taskId);
    }
  });
  return ids;
}
