/**
 * The window's preload (sandboxed, isolated): the desktop API's bridge, one method per IPC
 * message, and the shell's events. Nothing else of Electron or Node reaches the page.
 */
import { contextBridge, type IpcRendererEvent, ipcRenderer } from 'electron';
import { DESKTOP_EVENT_CHANNEL, type DesktopEvent, type DesktopResult } from '../shared/desktop';
import { desktopBridge } from '../shared/desktop-client';

const bridge = desktopBridge(
  (channel, ...args) => ipcRenderer.invoke(channel, ...args) as Promise<DesktopResult<unknown>>,
  (listener) => {
    const handler = (_event: IpcRendererEvent, event: DesktopEvent) => listener(event);
    ipcRenderer.on(DESKTOP_EVENT_CHANNEL, handler);
    return () => void ipcRenderer.removeListener(DESKTOP_EVENT_CHANNEL, handler);
  },
);

contextBridge.exposeInMainWorld('algodeckDesktop', bridge);
