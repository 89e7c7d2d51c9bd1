import { generateDemoBranch } from '../electron/seat/demo/generate';
import { DEMO_PASSWORD, DEMO_SEED } from '../electron/seat/demo/seed';
import { hashPassword as hqHash } from '../hq/auth/password';
import { setBranchSetting } from '../hq/config';
import type { Hq } from '../hq/context';
import { addPurposes, upsertBranch, upsertCustomers, upsertSalespeople, upsertUser } from '../hq/reference';
import { seedDemoHistory } from './hq-demo-history';

/**
 * Head office with the demo branch, as `npm start` runs it beside the seat on first start: the branch, its
 * agents (A001–A008, password huifang123), salespeople, customers and open tasks, an administrator HQ01, a
 * reviewer RV01 and a compliance officer CP01 (same password), and the branch's recent callbacks with their
 * recordings (`hq-demo-history.ts`) for the supervisor workspace.
 * Seats then receive all of it by pulling, as they would from a real head office.
 */
export async function seedHqDemo(
  hq: Hq,
  now = new Date(),
): Promise<{ branchId: string; branchName: string }> {
  const db = hq.db;
  const passwordHash = await hqHash(DEMO_PASSWORD);
  const branch = generateDemoBranch({ seed: DEMO_SEED, now, passwordHash });
  const branchId = branch.salespeople[0]?.branchId ?? 'DEMO';
  await db.db.transaction().execute(async (tx) => {
    await upsertBranch(tx, { id: branchId, name: branch.branchName });
    await upsertUser(tx, { code: 'HQ01', name: '总部管理员', role: 'admin', branchId: null, passwordHash });
    await upsertUser(tx, {
      code: 'RV01',
      name: '总部复核员',
      role: 'reviewer',
      branchId: null,
      passwordHash,
    });
    await upsertUser(tx, {
      code: 'CP01',
      name: '合规专员',
      role: 'compliance',
      branchId: null,
      passwordHash,
    });
    for (const a of branch.agents) {
      await upsertUser(tx, {
        id: a.id,
        code: a.code,
        name: a.name,
        role: a.role,
        branchId: a.branchId,
        passwordHash,
        staffId: a.staffId,
      });
    }
    await upsertSalespeople(tx, branch.salespeople);
    await upsertCustomers(tx, branch.customers);
    for (const t of branch.tasks.filter((task) => task.status === 'open')) {
      await addPurposes(
        tx,
        { id: t.customerId, branchId: t.branchId },
        t.purposes.map((p) => ({ ...p, sourceKey: `demo:${t.id}:${p.type}` })),
        t.createdAt,
        { taskId: t.id },
      );
    }
  });
  // The demo branch has no PBX: its seats practise on the training line (演练线路), an administrator's choice
  // a real branch makes for itself.
  await db.db
    .transaction()
    .execute((tx) => setBranchSetting(tx, branchId, 'training.enabled', true, null, now.toISOString()));
  await seedDemoHistory(hq, branch, branchId, now);
  return { branchId, branchName: branch.branchName };
}
