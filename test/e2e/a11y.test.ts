/**
 * Keyboard and screen-reader basics of the console (#16, defect 5), in the built renderer (out/renderer,
 * `npm run build`) in Debian's Chromium through the web host, on a seat with the demo branch: a skip link first
 * in the tab order, focus in the worklist after login, one h1 per seat screen with no serious or critical axe
 * finding, and focus kept (Esc still closes the task) after a reveal.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeSeriousViolations, type ConsoleScene, openConsoleScene } from '../support/console-scene';

/** What has the focus: its role/tag, accessible label and whether it sits in <main>. */
const focused = (page: Page) =>
  page.evaluate(`(() => {
    const el = document.activeElement;
    return {
      tag: el ? el.tagName.toLowerCase() : null,
      role: el ? el.getAttribute('role') : null,
      label: el ? (el.getAttribute('aria-label') ?? el.textContent.trim()) : null,
      id: el ? el.id : null,
      inMain: !!(el && el.closest('main')),
    };
  })()`) as Promise<{
    tag: string | null;
    role: string | null;
    label: string | null;
    id: string | null;
    inMain: boolean;
  }>;

describe('console accessibility in Chromium (browser seat)', () => {
  let scene: ConsoleScene;
  let page: Page;

  beforeAll(async () => {
    // The demo branch with its scripts; no personas, no call.
    scene = await openConsoleScene({ personas: false, microphone: 'none' });
    page = scene.page;
    await scene.login('A002');
    await page.getByRole('listbox', { name: '回访任务列表' }).getByRole('option').first().waitFor();
  }, 60_000);

  afterAll(async () => {
    await scene?.close();
  });

  it('puts focus in the worklist after login, and a skip link first in the tab order', async () => {
    // After login: the worklist's list has the focus, not <body>.
    await expect.poll(() => focused(page)).toMatchObject({ role: 'listbox', label: '回访任务列表' });

    // The skip link is the first thing Tab reaches: first in the document's tab order, and just before the
    // main navigation (Shift+Tab from its first button lands on it), visible once focused.
    const firstTabbable = await page.evaluate(`[
      ...document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]'),
    ].find((el) => el.tabIndex >= 0 && !el.disabled)?.textContent`);
    expect(firstTabbable).toBe('跳到主要内容');
    await page.getByRole('navigation').getByRole('button').first().focus();
    await page.keyboard.press('Shift+Tab');
    const skip = page.getByRole('link', { name: '跳到主要内容' });
    await expect.poll(() => focused(page)).toMatchObject({ tag: 'a', label: '跳到主要内容' });
    const box = await skip.boundingBox();
    expect(box && box.y >= 0 && box.height > 0 && box.width > 0).toBe(true);

    // Enter: focus moves into the main content (the worklist), the address stays as it was.
    const url = page.url();
    await page.keyboard.press('Enter');
    await expect.poll(() => focused(page)).toMatchObject({ role: 'listbox', inMain: true });
    expect(page.url()).toBe(url);
  });

  it('keeps the focus after 显示手机号, so Esc still returns to the list', async () => {
    const list = page.getByRole('listbox', { name: '回访任务列表' });
    await list.focus();
    const name =
      (await list.getByRole('option', { selected: true }).locator('.customer').textContent()) ?? '';
    await page.keyboard.press('Enter');
    const task = page.getByRole('region', { name });
    await task.waitFor();
    await task.getByRole('button', { name: '显示手机号' }).focus();
    await page.keyboard.press('Enter');
    await task.getByRole('status').filter({ hasText: '查看操作已记入审计' }).waitFor();
    // The button is gone; the revealed number has the focus.
    await expect.poll(() => focused(page)).toMatchObject({ id: 'reveal-phone' });
    expect((await focused(page)).label).toMatch(/^1\d{10}$/);
    await page.keyboard.press('Escape');
    await task.waitFor({ state: 'detached' });
    await expect.poll(() => focused(page)).toMatchObject({ role: 'listbox', label: '回访任务列表' });
  });

  it('gives every seat screen one h1 and no serious or critical axe finding', async () => {
    // Enough of A002's own audit entries that the audit trail has to scroll.
    const a002 = scene.agentId('A002');
    for (let i = 0; i < 60; i++)
      scene.seat.store.audit({
        agentId: a002,
        action: 'customer.reveal',
        entityType: 'customer',
        entityId: a002,
        detail: { field: 'phone' },
      });
    for (const screen of ['回访任务', '今日回访', '我的录音', '审计记录', '电话设置', '总部同步']) {
      await page.getByRole('navigation').getByRole('button', { name: screen, exact: true }).click();
      await page.getByRole('heading', { name: screen, level: 1 }).waitFor();
      if (screen === '审计记录') {
        await page.getByRole('table', { name: '审计记录列表' }).getByRole('row').nth(1).waitFor();
        // Its scrolling region takes keyboard focus, by name.
        await page.getByRole('region', { name: '审计记录（可滚动）' }).focus();
        await expect.poll(() => focused(page)).toMatchObject({ label: '审计记录（可滚动）' });
        // And it is that region that scrolls, not the whole screen.
        const scrolling = await page.evaluate(`(() => {
          const region = document.querySelector('.audit-scroll');
          const main = document.querySelector('main');
          return {
            region: region && getComputedStyle(region).overflowY,
            regionScrolls: !!region && region.scrollHeight > region.clientHeight,
            mainOverflows: !!main && main.scrollHeight > main.clientHeight,
          };
        })()`);
        expect(scrolling).toEqual({ region: 'auto', regionScrolls: true, mainOverflows: false });
      }
      expect(await page.locator('h1').count(), screen).toBe(1);
      expect(await axeSeriousViolations(page), screen).toEqual([]);
    }
  });
});
