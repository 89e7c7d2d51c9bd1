import { describe, expect, it } from 'vitest';
import { menuTemplate } from '../../../electron/binding/menu';

/** Electron's menu item type, as menu.ts returns it (tests do not import electron: the boundaries rule). */
type MenuItemConstructorOptions = ReturnType<typeof menuTemplate>[number];

/** Every item of a template, submenus included. */
function items(template: readonly MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return template.flatMap((item) => [
    item,
    ...(Array.isArray(item.submenu) ? items(item.submenu as MenuItemConstructorOptions[]) : []),
  ]);
}
const roles = (template: readonly MenuItemConstructorOptions[]) =>
  items(template)
    .map((i) => i.role)
    .filter((r) => r !== undefined);

/** The roles that open DevTools or reload the page, or a whole default menu that has them. */
const DEVELOPER = ['toggleDevTools', 'reload', 'forceReload', 'viewMenu', 'defaultMenu'];

describe('the seat’s application menu', () => {
  it('offers no DevTools and no reload in a packaged build, by role or by shortcut', () => {
    const packaged = menuTemplate({ packaged: true });
    expect(roles(packaged).filter((r) => DEVELOPER.includes(r))).toEqual([]);
    const accelerators = items(packaged)
      .map((i) => i.accelerator)
      .filter((a) => a !== undefined);
    expect(accelerators.filter((a) => /F5|F12|(CmdOrCtrl|Ctrl|Cmd)\+(Shift\+)?(R|I)$/i.test(a))).toEqual([]);
    // What an agent needs is still there: quitting, copy and paste, zoom.
    expect(roles(packaged)).toEqual(expect.arrayContaining(['quit', 'copy', 'paste', 'zoomIn', 'resetZoom']));
  });

  it('keeps DevTools and reload in a development build (so the test above tells the two apart)', () => {
    expect(roles(menuTemplate({ packaged: false }))).toEqual(
      expect.arrayContaining(['toggleDevTools', 'reload', 'forceReload']),
    );
  });

  it('labels every menu and item in Chinese', () => {
    for (const item of items(menuTemplate({ packaged: false }))) {
      if (item.type === 'separator') continue;
      expect(item.label).toMatch(/[\u4e00-\u9fff]/);
    }
  });
});
