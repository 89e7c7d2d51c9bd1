/**
 * The seat window's preload: one object, `window.seat`, and nothing else crosses into the page.
 *
 * It runs sandboxed, where `require` offers only a few modules ('electron', 'events', 'timers', 'url') and
 * ES modules are not supported: the build bundles this file and the contract's name lists into one
 * CommonJS file (scripts/build.ts → out/electron/preload.cjs) with 'electron' left external.
 */
import { contextBridge, type IpcRendererEvent, ipcRenderer } from 'electron';
import type { SeatBridge } from '../shared/contract/dispatcher';
// The zod-free name lists (checked against the contract at compile time): the bundle stays small.
import { isEventName, isMethodName } from '../shared/contract/names';

const bridge = {
  // Names are checked here too, so a page can never reach an ipcMain channel outside the contract
  // (e.g. `invoke('../other', …)`); the main side validates the arguments.
  invoke(method, args) {
    if (!isMethodName(method)) return Promise.reject(new TypeError(`unknown seat method: ${String(method)}`));
    return ipcRenderer.invoke(`seat:${method}`, args);
  },
  on(event, listener) {
    if (!isEventName(event)) throw new TypeError(`unknown seat event: ${String(event)}`);
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    const channel = `seat-event:${event}`;
    // Only the payload: the IpcRendererEvent would hand the page `sender` (ipcRenderer itself).
    const wrapped = (_event: IpcRendererEvent, payload: unknown) => listener(payload as never);
    ipcRenderer.on(channel, wrapped);
    return () => {
      ipcRenderer.removeListener(channel, wrapped);
    };
  },
} satisfies SeatBridge;

contextBridge.exposeInMainWorld('seat', bridge);
