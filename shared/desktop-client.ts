/**
 * Both ends of the desktop API on the page's side of IPC. The preload builds the bridge over
 * `ipcRenderer.invoke` (each method sends its own channel); the page wraps the bridge into the
 * typed API, turning a refusal into an `ApiError` with the shell's code, message and field.
 */
import { ApiError, ERROR_STATUS, type ErrorCode } from './errors';
import { DESKTOP_CHANNELS, type DesktopApi, type DesktopBridge, type DesktopEvent, type DesktopMethod, type DesktopResult } from './desktop';

export type DesktopInvoke = (channel: string, ...args: unknown[]) => Promise<DesktopResult<unknown>>;

const METHODS = Object.keys(DESKTOP_CHANNELS) as DesktopMethod[];

/** The preload's side: one method per channel, answering the main process's results as they are. */
export function desktopBridge(invoke: DesktopInvoke, subscribe: (listener: (event: DesktopEvent) => void) => () => void): DesktopBridge {
  const bridge: Record<string, unknown> = Object.fromEntries(METHODS.map((method) => [method, (...args: unknown[]) => invoke(DESKTOP_CHANNELS[method], ...args)]));
  bridge.onEvent = subscribe;
  return bridge as DesktopBridge;
}

/** The page's side: the bridge's methods, with a refusal thrown as an `ApiError`. */
export function desktopApi(bridge: DesktopBridge): DesktopApi {
  const api: Record<string, unknown> = Object.fromEntries(
    METHODS.map((method) => [
      method,
      async (...args: unknown[]) => {
        const result = await (bridge[method] as (...given: unknown[]) => Promise<DesktopResult<unknown>>)(...args);
        if (result.ok) return result.value;
        const code = (Object.hasOwn(ERROR_STATUS, result.error.code) ? result.error.code : 'internal') as ErrorCode;
        throw new ApiError(code, result.error.message, result.error.field === undefined ? {} : { field: result.error.field });
      },
    ]),
  );
  api.onEvent = (listener: (event: DesktopEvent) => void) => bridge.onEvent(listener);
  return api as unknown as DesktopApi;
}
