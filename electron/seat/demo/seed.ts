import { hashPassword } from '../auth/password';
import type { SeatStore } from '../store/seat-store';
import { writeSetting } from '../store/settings';
import { generateDemoBranch } from './generate';

/** The password of every demo agent (A001…A008); printed by `npm run seed:demo` and in the README. */
export const DEMO_PASSWORD = 'huifang123';
export const DEMO_SEED = 20261126;

/**
 * Fills a store with the demo branch. Safe to run again: the same seed gives the same ids, rows are
 * upserted, and tasks already closed on this seat stay closed.
 */
export async function seedDemo(
  store: SeatStore,
  now = new Date(),
): Promise<{ customers: number; tasks: number }> {
  const branch = generateDemoBranch({
    seed: DEMO_SEED,
    now,
    passwordHash: await hashPassword(DEMO_PASSWORD),
  });
  const seat = store.ensureSeat({
    branchId: branch.salespeople[0]?.branchId ?? 'DEMO',
    branchName: branch.branchName,
  });
  if (seat.branchId !== branch.salespeople[0]?.branchId) {
    throw new Error(`this seat belongs to branch ${seat.branchId}; the demo branch cannot be loaded into it`);
  }
  store.importReferenceData(branch);
  // The demo has no PBX: its agents practise on the training line (an administrator's choice elsewhere).
  writeSetting(store.db, 'training.enabled', true, now.toISOString());
  return { customers: branch.customers.length, tasks: branch.tasks.length };
}
