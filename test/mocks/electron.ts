/**
 * FAKE Electron module for unit tests. The Electron binary cannot be downloaded on these machines, and a
 * plain-Node `require('electron')` tries to. Only what a test touches belongs here; anything else throws so
 * a test can never pass by accident against a missing fake.
 */
const missing = (name: string) =>
  new Proxy(
    {},
    {
      get(_target, prop) {
        throw new Error(
          `fake electron: ${name}.${String(prop)} is not faked; add it to test/mocks/electron.ts`,
        );
      },
    },
  );

export const app = missing('app');
export const BrowserWindow = missing('BrowserWindow');
export const ipcMain = missing('ipcMain');
export const contextBridge = missing('contextBridge');
export const ipcRenderer = missing('ipcRenderer');
export const session = missing('session');
export const protocol = missing('protocol');
export default { app, BrowserWindow, ipcMain, contextBridge, ipcRenderer, session, protocol };
