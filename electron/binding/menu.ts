import type { MenuItemConstructorOptions } from 'electron';

/**
 * The seat's application menu as a pure value (only Electron's types here, so it is unit-tested without a
 * binary; main.ts builds and sets it). Electron's default menu offers DevTools (Ctrl+Shift+I) and reload
 * (Ctrl+R, F5) in every build: in a packaged build DevTools would let anyone at the seat run code in the page
 * with the agent's session, and a reload drops a call and the recording under way. So a packaged build's menu
 * has neither, nor any menu role that brings them (`viewMenu`); a development build keeps them.
 */
export function menuTemplate(o: { packaged: boolean }): MenuItemConstructorOptions[] {
  const develop: MenuItemConstructorOptions[] = o.packaged
    ? []
    : [
        { type: 'separator' },
        { role: 'reload', label: '重新加载（开发）' },
        { role: 'forceReload', label: '强制重新加载（开发）' },
        { role: 'toggleDevTools', label: '开发者工具（开发）' },
      ];
  return [
    { label: '文件', submenu: [{ role: 'quit', label: '退出' }] },
    {
      // The editing roles carry the copy and paste shortcuts into the page's text fields.
      label: '编辑',
      submenu: [
        { role: 'undo', label: '撤销' },
        { role: 'redo', label: '重做' },
        { type: 'separator' },
        { role: 'cut', label: '剪切' },
        { role: 'copy', label: '复制' },
        { role: 'paste', label: '粘贴' },
        { role: 'selectAll', label: '全选' },
      ],
    },
    {
      label: '视图',
      submenu: [
        { role: 'resetZoom', label: '实际大小' },
        { role: 'zoomIn', label: '放大' },
        { role: 'zoomOut', label: '缩小' },
        { type: 'separator' },
        { role: 'togglefullscreen', label: '全屏' },
        ...develop,
      ],
    },
    {
      label: '窗口',
      submenu: [
        { role: 'minimize', label: '最小化' },
        { role: 'close', label: '关闭窗口' },
      ],
    },
  ];
}
