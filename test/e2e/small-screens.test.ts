/**
 * The console on the small screens of branch PCs (#16, defect 5 and point 9): at 1024×768 and 1366×768 the
 * worklist, the task view and its wrap-up fit the width (nothing cut off, no sideways scrolling), and the
 * wrap-up's 提交结果 can be reached and seen whole. Screenshots in docs/screenshots/task-1024.png and
 * task-1366.png.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleScene, openConsoleScene, REPO } from '../support/console-scene';

describe('the console on small screens (browser seat)', () => {
  let scene: ConsoleScene;

  beforeAll(async () => {
    scene = await openConsoleScene();
  }, 60_000);
  afterAll(async () => {
    await scene?.close();
  });

  for (const [width, height] of [
    [1024, 768],
    [1366, 768],
  ] as const) {
    it(`fits ${width}×${height}: worklist, task and wrap-up, nothing cut off`, async () => {
      const page = await scene.newPage();
      await page.setViewportSize({ width, height });
      await scene.login('A002', { page });
      const list = page.getByRole('listbox', { name: '回访任务列表' });
      await list.getByRole('option').first().click();
      const task = page.locator('.task-view');
      await task
        .getByRole('region', { name: '通话' })
        .getByRole('status')
        .filter({ hasText: '演练线路就绪' })
        .waitFor();
      await task.getByRole('button', { name: '未拨号记录结果' }).click();
      const submit = task.getByRole('button', { name: /提交结果/ });
      await submit.waitFor();

      // No sideways scrolling of the page, and the task view ends inside the window.
      const widths = await page.evaluate(() => {
        const d = (
          globalThis as unknown as {
            document: { documentElement: { scrollWidth: number; clientWidth: number } };
          }
        ).document.documentElement;
        return { scroll: d.scrollWidth, client: d.clientWidth };
      });
      expect(widths.scroll).toBeLessThanOrEqual(widths.client);
      for (const part of [list, task, task.getByRole('region', { name: /回访小结/ })]) {
        const box = await part.boundingBox();
        expect(box).not.toBeNull();
        expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(width + 0.5);
        expect(box?.x ?? -1).toBeGreaterThanOrEqual(0);
      }
      // 提交结果 scrolled to is seen whole.
      await submit.scrollIntoViewIfNeeded();
      const b = await submit.boundingBox();
      expect(b).not.toBeNull();
      expect((b?.x ?? 0) + (b?.width ?? 0)).toBeLessThanOrEqual(width);
      expect((b?.y ?? 0) + (b?.height ?? 0)).toBeLessThanOrEqual(height);
      expect(b?.y ?? -1).toBeGreaterThanOrEqual(0);
      await page.screenshot({ path: join(REPO, `docs/screenshots/task-${width}.png`) });
      await page.close();
    }, 60_000);
  }
});
