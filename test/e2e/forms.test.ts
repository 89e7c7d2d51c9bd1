/**
 * Forms that say what is wrong (#16): the phone settings are saved all or nothing, each field's refusal
 * beside it in the seat's words; the worklist finds a customer by name, full mobile or full ID number, says
 * what a part of a number is instead of 请求格式不正确, and every search is audited. The built renderer
 * (out/renderer, `npm run build`) in Debian's Chromium, through the web host, on the demo branch.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleScene, openConsoleScene } from '../support/console-scene';

describe('forms that say what is wrong, in Chromium', () => {
  let scene: ConsoleScene;

  beforeAll(async () => {
    // The demo branch only: no scripts, no personas, no call.
    scene = await openConsoleScene({ scripts: false, personas: false, microphone: 'none' });
  }, 60_000);

  afterAll(async () => {
    await scene?.close();
  });

  async function loggedIn(code: string): Promise<Page> {
    const page = await scene.newPage();
    await scene.login(code, { page });
    return page;
  }

  const audited = (action: string) =>
    (
      scene.seat.store.db.prepare('SELECT detail FROM audit WHERE action = ? ORDER BY rowid').all(action) as {
        detail: string;
      }[]
    ).map((r) => JSON.parse(r.detail) as Record<string, unknown>);

  it('saves the phone settings all or nothing, each refusal beside its field', async () => {
    // A001 is the demo's supervisor: the phone line is theirs to set.
    const page = await loggedIn('A001');
    await page.getByRole('button', { name: '电话设置' }).click();
    const field = (key: string) => page.locator(`[name="${key}"]`);
    const server = field('sip.wsUrl');
    await server.fill('wss://pbx.example/ws');
    const uri = field('sip.uri');
    await uri.fill('8001');
    const ring = field('sip.ringTimeoutSec');
    await ring.fill('5');
    await page.getByRole('button', { name: '保存' }).click();

    await page.getByRole('alert').filter({ hasText: '有 2 项设置有误，所有更改均未保存' }).waitFor();
    expect(await page.locator('[id="sip.uri-error"]').textContent()).toBe('SIP 地址格式应为 sip:用户@域名');
    expect(await page.locator('[id="sip.ringTimeoutSec-error"]').textContent()).toBe(
      '振铃超时（秒）不能小于 10',
    );
    expect(await uri.getAttribute('aria-invalid')).toBe('true');
    expect(await uri.getAttribute('aria-describedby')).toBe('sip.uri-error');
    expect(await server.getAttribute('aria-invalid')).toBeNull();
    // The valid server address was not saved without its account: nothing was.
    const settings = scene.seat.store.settings();
    expect(settings['sip.wsUrl']).toBe('');
    expect(settings['sip.uri']).toBe('');
    expect(audited('settings.set')).toEqual([]);
    // What was typed is kept for correcting.
    expect(await server.inputValue()).toBe('wss://pbx.example/ws');
    await page.close();
  }, 60_000);

  it('finds a customer by name, full mobile or full ID number; a part of a number is said, not sent', async () => {
    const page = await loggedIn('A002');
    const list = page.getByRole('listbox', { name: '回访任务列表' });
    await list.getByRole('option').first().waitFor();
    const name = (await list.getByRole('option').first().locator('.customer').textContent()) ?? '';
    expect(name).not.toBe('');
    const box = page.getByRole('searchbox', { name: '查找客户' });

    await box.fill(name);
    await box.press('Enter');
    await page.getByText('按姓名查找（含以此开头的姓名），已记入审计').waitFor();
    await expect
      .poll(async () => new Set(await list.locator('.customer').allTextContents()))
      .toEqual(new Set([expect.stringMatching(new RegExp(`^${name}`))]));

    // The same customer by their mobile, typed with spaces as it is read out.
    const { phone, idNumber } = scene.seat.store.db
      .prepare('SELECT phone, id_number AS idNumber FROM customers WHERE name = ? LIMIT 1')
      .get(name) as { phone: string; idNumber: string };
    await box.fill(`${phone.slice(0, 3)} ${phone.slice(3, 7)} ${phone.slice(7)}`);
    await box.press('Enter');
    await page.getByText('按手机号查找，已记入审计').waitFor();
    await expect.poll(() => list.locator('.customer').allTextContents()).toContain(name);
    await box.fill(idNumber.toLowerCase());
    await box.press('Enter');
    await page.getByText('按身份证号查找，已记入审计').waitFor();
    await expect.poll(() => list.locator('.customer').allTextContents()).toContain(name);

    // Part of a number: said beside the box, never 请求格式不正确, and nothing sent (nor audited).
    const before = audited('worklist.search').length;
    await box.fill(phone.slice(0, 7));
    await box.press('Enter');
    await page.getByText('查找内容：按号码查找须输入完整的 11 位手机号或 18 位身份证号').waitFor();
    expect(await page.getByText('请求格式不正确').count()).toBe(0);
    expect(audited('worklist.search')).toHaveLength(before);

    // Each search was audited with how it searched, never what was typed.
    const searches = audited('worklist.search');
    expect(searches.map((d) => d.field)).toEqual(['name', 'phone', 'idNumber']);
    expect(JSON.stringify(searches)).not.toContain(phone);
    expect(JSON.stringify(searches)).not.toContain(name);

    await page.getByRole('button', { name: '清除查找' }).click();
    await page.getByText('按 Enter 查找：姓名可只输开头，号码须完整；每次查找都记入审计').waitFor();
    await expect
      .poll(async () => new Set(await list.locator('.customer').allTextContents()).size)
      .toBeGreaterThan(1);
    await page.close();
  }, 60_000);
});
