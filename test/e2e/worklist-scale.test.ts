/**
 * Ten thousand open tasks in the browser seat: the worklist pages them in from the seat as it scrolls and
 * keeps only the visible rows in the DOM, and the keyboard reaches the last one.
 */
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { v4 as uuidv4 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../electron/seat/auth/password';
import { Seat } from '../../electron/seat/seat';
import type { ReferenceBatch } from '../../electron/seat/store/records';
import { startWebHost, type WebHost } from '../../electron/web-host';
import { idCheckChar } from '../../shared/domain/id-number';
import { launchChromium } from '../support/chromium';
import { BRANCH, PASSWORD, tempDir } from '../support/fixtures';

const TASKS = 10_000;
const STATIC = join(resolve(import.meta.dirname, '../..'), 'out/renderer');

async function bigBranch(): Promise<ReferenceBatch> {
  const passwordHash = await hashPassword(PASSWORD, { N: 1024 });
  // From three days ago on, a minute apart: overdue first, then due today and later, on any day the test runs.
  const start = Date.now() - 3 * 86_400_000;
  const customers = Array.from({ length: TASKS }, (_v, i) => {
    const first17 = `3101041980${String(1 + (i % 12)).padStart(2, '0')}${String(1 + (i % 28)).padStart(2, '0')}${String(i % 1000).padStart(3, '0')}`;
    return {
      id: uuidv4(),
      name: `客户${i}`,
      idNumber: first17 + idCheckChar(first17),
      phone: `139${String(i).padStart(8, '0')}`,
      branchId: BRANCH.branchId,
      salespersonId: null,
      introducerId: null,
      openedAt: null,
      channel: null,
      margin: false,
    };
  });
  return {
    salespeople: [],
    agents: [
      {
        id: uuidv4(),
        code: 'A001',
        name: '李静',
        branchId: BRANCH.branchId,
        role: 'agent',
        passwordHash,
        staffId: null,
      },
    ],
    customers,
    tasks: customers.map((c, i) => ({
      id: uuidv4(),
      customerId: c.id,
      branchId: BRANCH.branchId,
      assignedAgentId: null,
      status: 'open' as const,
      createdAt: new Date(start).toISOString(),
      // Strictly increasing deadlines: task i is the i-th in the worklist.
      purposes: [
        {
          type: 'satisfaction' as const,
          deadlineAt: new Date(start + i * 60_000).toISOString(),
          reason: '抽样',
          salespersonId: null,
        },
      ],
    })),
  };
}

describe('the worklist with 10,000 open tasks', () => {
  let tmp: ReturnType<typeof tempDir>;
  let seat: Seat;
  let host: WebHost;
  let browser: Browser;

  beforeAll(async () => {
    tmp = tempDir();
    seat = Seat.open({ dbPath: tmp.file('seat.db'), appVersion: 'e2e', onDefect: () => {} });
    seat.store.ensureSeat(BRANCH);
    seat.store.importReferenceData(await bigBranch());
    host = await startWebHost({ seat, staticDir: STATIC });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    seat?.close();
    tmp?.cleanup();
  });

  it('keeps the DOM small, pages in as it scrolls, and End reaches the last task', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(20_000);
    await page.goto(`${host.url}/#token=${host.token}`);
    await page.getByLabel('工号').fill('A001');
    await page.getByLabel('密码').fill(PASSWORD);
    await page.getByRole('button', { name: '登录' }).click();
    const list = page.getByRole('listbox', { name: '回访任务列表' });
    await list.getByRole('option').first().waitFor();
    await page.getByText('共 10000 条').waitFor();
    expect(await list.getByRole('option').count()).toBeLessThan(80);
    expect(await list.getByRole('option').first().getAttribute('aria-setsize')).toBe('10000');

    await list.focus();
    await page.keyboard.press('End');
    // The rows near the end are fetched page by page as the list passes them; the last one is 客户9999.
    const last = list.getByRole('option', { selected: true });
    await last.filter({ hasText: '客户9999' }).waitFor();
    expect(await last.getAttribute('aria-posinset')).toBe('10000');
    expect(await list.getByRole('option').count()).toBeLessThan(80);

    await page.keyboard.press('Home');
    await list.getByRole('option', { selected: true }).filter({ hasText: '客户0' }).first().waitFor();
    await page.keyboard.press('PageDown');
    const afterPage = Number(
      await list.getByRole('option', { selected: true }).getAttribute('aria-posinset'),
    );
    expect(afterPage).toBeGreaterThan(10);
    await page.close();
  }, 120_000);
});
