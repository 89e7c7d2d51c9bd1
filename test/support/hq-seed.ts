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
 * PASSWORD), a salesperson, and `customers` customers each with one open task of `purposes`.
 */
export async function seedHq(db: HqDb, opts: { customers: number; purposes: CallbackType[] }) {
  const passwordHash = await hashPassword(PASSWORD, { N: 1024 });
  const salespersonId = uuidv4();
  const ids = {
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
        openedAt: '2026-11-20T02:00:00.000Z',
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
          deadlineAt: '2026-12-04T15:59:59.999Z',
          reason: '测试任务',
          salespersonId: type === 'new_account' ? salespersonId : null,
          sourceKey: `test:${c.id}:${type}`,
        })),
        '2026-11-20T03:00:00.000Z',
      );
      ids.customers.push(c.id);
      ids.idNumbers.push(c.idNumber);
      ids.tasks.push(taskId);
    }
  });
  return ids;
}
