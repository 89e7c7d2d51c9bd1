/**
 * 免打扰 and 偏好时段 on the SIP rig (issue 16, point 7): the built console in Chromium on a real seat, Kamailio
 * and the customer phone. A do-not-call customer's 拨打 is refused by the seat with the reason shown in the call
 * panel; the customer phone receives no INVITE, no attempt is stored, the refusal is audited. Lifted in the task
 * view (with a reason), the dial goes through. Preferred times that exclude now refuse with the next allowed
 * time. Runs inside `unshare --net` (npm run test:rig).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Seat } from '../../electron/seat/seat';
import type { WebHost } from '../../electron/web-host';
import { launchChromium } from '../support/chromium';
import { openConsole, openCustomer, rigHost, rigSeat, waitPhase } from './console';
import { type Kamailio, startKamailio } from './kamailio';
import { requirePrivateNetwork } from './netns';
import { type RigPages, rigChromiumArgs, startPages } from './pages';

const REASON = '客户来电要求不再回访';

describe.skipIf(process.env.SIP_RIG !== '1')('免打扰 and 偏好时段 on the SIP rig', () => {
  let dir: string;
  let kamailio: Kamailio;
  let pages: RigPages;
  let browser: Browser;
  let seat: Seat;
  let host: WebHost;
  let consolePage: Page;
  let customer: Awaited<ReturnType<typeof openCustomer>>;
  let ids: { agent: string; customerA: string; taskA: string };
  const csp: string[] = [];

  const count = (sql: string, ...params: unknown[]) =>
    (seat.store.db.prepare(sql).get(...params) as { n: number }).n;
  const attempts = () => count('SELECT count(*) AS n FROM attempts');
  const received = async () =>
    customer.page.evaluate(
      () => (globalThis as unknown as { customer: { calls: { received: number } } }).customer.calls.received,
    );
  const refusals = () =>
    (
      seat.store.db
        .prepare(
          "SELECT agent_id AS agentId, entity_id AS entityId, detail FROM audit WHERE action = 'call.refused'",
        )
        .all() as { agentId: string; entityId: string; detail: string }[]
    ).map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> }));
  const contactPanel = () => consolePage.getByRole('region', { name: '联系偏好' });
  const dialButton = () => consolePage.getByRole('button', { name: /^拨打/ });

  beforeAll(async () => {
    requirePrivateNetwork();
    dir = mkdtempSync(join(tmpdir(), 'rig-dnc-'));
    kamailio = await startKamailio();
    pages = await startPages();
    browser = await launchChromium(rigChromiumArgs(pages.toneWav));
    let branch: Awaited<ReturnType<typeof rigSeat>>['branch'];
    // A calling window of the whole day: what is proven here is the customer's wish, whatever the hour.
    ({ seat, branch } = await rigSeat(join(dir, 'seat.db'), kamailio.wsUrl, [
      { key: 'calling.window', value: [{ start: '00:00', end: '23:59' }] },
    ]));
    ids = branch.ids;
    seat.store.setDoNotCall(ids.agent, ids.customerA, true, REASON);
    host = await rigHost(seat);
    customer = await openCustomer(browser, pages.customerUrl, kamailio.wsUrl);
    await customer.setMode('busy');
    consolePage = await openConsole(browser, `${host.url}/#token=${host.token}`, csp);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    seat?.close();
    await pages?.close();
    await kamailio?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows 免打扰 with its reason beside the customer’s facts', async () => {
    await consolePage.getByText('电话：电话就绪').waitFor();
    const panel = contactPanel();
    await panel.locator('.badge-dnc', { hasText: '免打扰' }).waitFor();
    await panel.getByText(`原因：${REASON}`).waitFor();
    await panel.getByText('偏好时段：').waitFor();
    expect(csp).toEqual([]);
  });

  it('refuses the dial with the reason in the call panel: no INVITE, no attempt, audited', async () => {
    const invitesBefore = await received();
    await dialButton().click();
    await consolePage
      .getByRole('alert')
      .filter({ hasText: `客户已登记免打扰（原因：${REASON}），不能拨打` })
      .waitFor();
    expect(attempts()).toBe(0);
    expect(count("SELECT count(*) AS n FROM outbox WHERE kind = 'attempt'")).toBe(0);
    expect(refusals()).toEqual([
      {
        agentId: ids.agent,
        entityId: ids.taskA,
        detail: { customerId: ids.customerA, rule: 'do_not_call', nextAllowedAt: null },
      },
    ]);
    // The phone is ready again and rang nobody (the next test's dial proves the INVITEs are counted).
    await consolePage.getByText('电话：电话就绪').waitFor();
    expect(await received()).toBe(invitesBefore);
  }, 60_000);

  it('lifted in the task view with a reason (audited), the dial goes through to the customer', async () => {
    const invitesBefore = await received();
    const panel = contactPanel();
    await panel.getByRole('button', { name: '解除免打扰' }).click();
    // Too short a reason: refused in Chinese, nothing changed.
    await panel.getByLabel('原因（至少 4 个字）').fill('同意');
    await panel.getByRole('button', { name: '解除免打扰' }).click();
    await panel.getByRole('alert').filter({ hasText: '请填写原因（至少 4 个字）' }).waitFor();
    await panel.getByLabel('原因（至少 4 个字）').fill('客户来电同意回访');
    await panel.getByRole('button', { name: '解除免打扰' }).click();
    await panel.getByText('未登记免打扰').waitFor();
    expect(
      (
        seat.store.db.prepare("SELECT detail FROM audit WHERE action = 'customer.doNotCall'").all() as {
          detail: string;
        }[]
      ).map((r) => JSON.parse(r.detail) as { on: boolean; reason: string }),
    ).toEqual([
      { on: true, reason: REASON, previous: null },
      { on: false, reason: '客户来电同意回访', previous: { source: 'agent' } },
    ]);

    await dialButton().click();
    await waitPhase(consolePage, /通话结束.*忙线/);
    await expect.poll(() => attempts()).toBe(1);
    expect(await received()).toBe(invitesBefore + 1);
  }, 60_000);

  it('refuses a dial outside the customer’s preferred times, with the next allowed time', async () => {
    // A window from two to three hours from now (China time), which now is never inside.
    const china = new Date(Date.now() + 8 * 3600_000);
    const hh = (h: number) => String((china.getUTCHours() + h) % 24).padStart(2, '0');
    const window = `${hh(2)}:00-${hh(3)}:00`;
    const panel = contactPanel();
    await panel.getByRole('button', { name: '修改偏好时段' }).click();
    await panel.getByLabel('偏好时段（北京时间）').fill(window);
    await panel.getByLabel('原因（至少 4 个字）').fill('客户说这个时间方便');
    await panel.getByRole('button', { name: '确定' }).click();
    await panel.getByText(`每天 ${hh(2)}:00–${hh(3)}:00`).waitFor();

    const invitesBefore = await received();
    const before = attempts();
    await dialButton().click();
    await consolePage
      .getByRole('alert')
      .filter({ hasText: `现在不在客户的偏好时段（每天 ${hh(2)}:00–${hh(3)}:00）内，下次可拨打时间：` })
      .waitFor();
    // The window's next start, today or tomorrow, as the date and weekday people read.
    expect(await consolePage.getByRole('alert').first().textContent()).toMatch(
      new RegExp(`下次可拨打时间：\\d{1,2}月\\d{1,2}日（周[一二三四五六日]）${hh(2)}:00$`),
    );
    expect(attempts()).toBe(before);
    expect(refusals().at(-1)?.detail).toMatchObject({ rule: 'preferred_times' });
    await consolePage.getByText('电话：电话就绪').waitFor();
    expect(await received()).toBe(invitesBefore);
  }, 60_000);
});
