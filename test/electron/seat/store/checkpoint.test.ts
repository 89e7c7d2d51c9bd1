import { statSync } from 'node:fs';
import { v4 as uuidv4 } from 'uuid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeWithBranch } from '../../../support/seat';

type Ctx = Awaited<ReturnType<typeof storeWithBranch>>;

describe('the idle checkpoint', () => {
  let ctx: Ctx;
  beforeEach(async () => {
    ctx = await storeWithBranch();
  });
  afterEach(() => ctx.close());

  const walSize = () => statSync(`${ctx.path}-wal`, { throwIfNoEntry: false })?.size ?? 0;

  it('never checkpoints inside a write, and folds a large WAL back once the event loop is free', async () => {
    expect(ctx.store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    const customers = Array.from({ length: 40_000 }, (_v, i) => ({
      id: uuidv4(),
      name: `客户${i}`,
      idNumber: '11010519491231002X',
      phone: `139${String(i).padStart(8, '0')}`,
      branchId: 'BR-SH-001',
      salespersonId: null,
      introducerId: null,
      openedAt: null,
      channel: null,
      margin: false,
    }));
    ctx.store.importReferenceData({ salespeople: [], agents: [], customers, tasks: [] });
    const grown = walSize();
    expect(grown).toBeGreaterThan(4 * 1024 * 1024);
    await new Promise((resolve) => setImmediate(resolve));
    expect(walSize()).toBe(0);
    const n = ctx.store.db.prepare('SELECT count(*) AS n FROM customers').get() as { n: number };
    expect(n.n).toBe(40_003);
  });
});
