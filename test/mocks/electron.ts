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

/** What a preload exposed, by key: the page's view of `window`. */
export const exposedInMainWorld = new Map<string, unknown>();
export const contextBridge = {
  exposeInMainWorld(key: string, api: unknown): void {
    if (exposedInMainWorld.has(key)) throw new Error(`fake electron: ${key} exposed twice`);
    exposedInMainWorld.set(key, api);
  },
};

type RendererListener = (event: { sender: unknown }, ...args: unknown[]) => void;
const rendererListeners = new Map<string, Set<RendererListener>>();
/** Where `ipcRenderer.invoke` goes: a test wires it to its (fake) ipcMain handlers. */
let invokeRoute: ((channel: string, ...args: unknown[]) => Promise<unknown>) | null = null;

/** ipcRenderer, plus `route` (for invoke) and `deliver` (what main's `webContents.send` would do). */
export const ipcRenderer = {
  route(to: typeof invokeRoute): void {
    invokeRoute = to;
  },
  invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    if (!invokeRoute)
      throw new Error('fake electron: ipcRenderer.invoke has no route; call ipcRenderer.route()');
    return invokeRoute(channel, ...args);
  },
  on(channel: string, listener: RendererListener) {
    const set = rendererListeners.get(channel) ?? new Set();
    set.add(listener);
    rendererListeners.set(channel, set);
    return ipcRenderer;
  },
  removeListener(channel: string, listener: RendererListener) {
    rendererListeners.get(channel)?.delete(listener);
    return ipcRenderer;
  },
  listenerCount(channel: string): number {
    return rendererListeners.get(channel)?.size ?? 0;
  },
  deliver(channel: string, ...args: unknown[]): void {
    for (const listener of rendererListeners.get(channel) ?? []) listener({ sender: ipcRenderer }, ...args);
  },
};
export const session = missing('session');
export const protocol = missing('protocol');
export default { app, BrowserWindow, ipcMain, contextBridge, ipcRenderer, session, protocol };
