import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v4 as uuidv4 } from 'uuid';
import { hashPassword } from '../../electron/seat/auth/password';
import type { ReferenceBatch } from '../../electron/seat/store/records';

/** A temporary directory removed by `cleanup()`; every store test uses a real file on disk. */
export function tempDir(): { dir: string; file: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'seat-test-'));
  return {
    dir,
    file: (name) => join(dir, name),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export const BRANCH = { branchId: 'BR-SH-001', branchName: '上海世纪大道证券营业部' };
export const PASSWORD = 'Huifang#2026';

/** A tiny hand-made branch whose every row a test can name. Cheap scrypt parameters keep tests fast. */
export async function smallBranch() {
  const passwordHash = await hashPassword(PASSWORD, { N: 1024 });
  const ids = {
    agent: uuidv4(),
    recusedAgent: uuidv4(),
    otherAgent: uuidv4(),
    salesperson: uuidv4(),
    customerA: uuidv4(),
    customerB: uuidv4(),
    customerC: uuidv4(),
    taskA: uuidv4(),
    taskB: uuidv4(),
    taskC: uuidv4(),
    taskOther: uuidv4(),
  };
  const batch: ReferenceBatch = {
    salespeople: [
      { id: ids.salesperson, code: 'S001', name: '周建国', branchId: BRANCH.branchId, departedAt: null },
    ],
    agents: [
      {
        id: ids.agent,
        code: 'A001',
        name: '李静',
        branchId: BRANCH.branchId,
        role: 'agent',
        passwordHash,
        staffId: null,
      },
      {
        id: ids.recusedAgent,
        code: 'A002',
        name: '周建国',
        branchId: BRANCH.branchId,
        role: 'agent',
        passwordHash,
        staffId: ids.salesperson,
      },
      {
        id: ids.otherAgent,
        code: 'A003',
        name: '王芳',
        branchId: BRANCH.branchId,
        role: 'agent',
        passwordHash,
        staffId: null,
      },
    ],
    customers: [
      {
        id: ids.customerA,
        name: '张伟',
        idNumber: '11010519491231002X',
        phone: '13812345678',
        branchId: BRANCH.branchId,
        salespersonId: ids.salesperson,
        introducerId: ids.salesperson,
        openedAt: '2026-11-20T02:00:00.000Z',
        channel: 'nonsite',
        margin: false,
      },
      {
        id: ids.customerB,
        name: '欧阳明月',
        idNumber: '440305199003071236',
        phone: '15912345670',
        branchId: BRANCH.branchId,
        salespersonId: null,
        introducerId: null,
        openedAt: null,
        channel: null,
        margin: true,
      },
      {
        id: ids.customerC,
        name: '陈红',
        idNumber: '310104198512120023',
        phone: '18612345671',
        branchId: BRANCH.branchId,
        salespersonId: null,
        introducerId: null,
        openedAt: null,
        channel: 'counter',
        margin: false,
      },
    ],
    tasks: [
      {
        id: ids.taskA,
        customerId: ids.customerA,
        branchId: BRANCH.branchId,
        assignedAgentId: null,
        status: 'open',
        createdAt: '2026-11-20T03:00:00.000Z',
        purposes: [
          {
            type: 'new_account',
            deadlineAt: '2026-12-04T15:59:59.000Z',
            reason: '开户日 2026-11-20',
            salespersonId: ids.salesperson,
          },
          {
            type: 'satisfaction',
            deadlineAt: '2026-12-20T15:59:59.000Z',
            reason: '2026 年第四季度满意度抽样',
            salespersonId: null,
          },
        ],
      },
      {
        id: ids.taskB,
        customerId: ids.customerB,
        branchId: BRANCH.branchId,
        assignedAgentId: null,
        status: 'open',
        createdAt: '2026-11-21T03:00:00.000Z',
        purposes: [
          {
            type: 'aml',
            deadlineAt: '2026-11-30T15:59:59.000Z',
            reason: '身份重新识别名单',
            salespersonId: null,
          },
        ],
      },
      {
        id: ids.taskC,
        customerId: ids.customerC,
        branchId: BRANCH.branchId,
        assignedAgentId: null,
        status: 'open',
        createdAt: '2026-11-21T03:00:00.000Z',
        purposes: [
          {
            type: 'complaint',
            deadlineAt: '2026-11-27T15:59:59.000Z',
            reason: '投诉处理完毕',
            salespersonId: null,
          },
        ],
      },
      {
        id: ids.taskOther,
        customerId: ids.customerC,
        branchId: BRANCH.branchId,
        assignedAgentId: ids.otherAgent,
        status: 'open',
        createdAt: '2026-11-21T03:00:00.000Z',
        purposes: [
          {
            type: 'notification',
            deadlineAt: '2026-11-26T15:59:59.000Z',
            reason: '通知',
            salespersonId: null,
          },
        ],
      },
    ],
  };
  return { batch, ids };
}
