/**
 * The desktop shell's contract with the dashboard it shows: the app's origin, and the small API
 * its preload exposes as `window.algodeckDesktop` (one method per IPC message). The dashboard
 * learns the agent it talks to from here (its address and a token, held in memory only); in a
 * plain browser there is no such object and the dashboard talks to the agent that served it.
 * Types only (no validation library): the page loads this; the shell validates what it receives.
 */

/** The dashboard's origin in the desktop app (`app://algodeck/…`). Agents let it call with a bearer token (CORS). */
export const DESKTOP_APP_ORIGIN = 'app://algodeck';

/** The agent the desktop app runs itself: always in the list, shown when nothing else is chosen. */
export const EMBEDDED_AGENT_ID = 'embedded';

/** An agent the desktop knows: the embedded one, or a remote one added in Settings. */
export interface DesktopAgent {
  id: string;
  name: string;
  /** Its origin (`https://…`, or `http://` on loopback). */
  url: string;
  embedded: boolean;
}

export interface DesktopAgents {
  agents: DesktopAgent[];
  selected: string;
}

/** The agent the dashboard shows, with the token it calls it with. */
export interface DesktopConnection {
  agent: DesktopAgent;
  token: string;
}

/** Where this computer's agent takes market data from: the simulated market, or Zerodha Kite. */
export type MarketProvider = 'sim' | 'kite';

export interface DesktopSettings {
  startAtLogin: boolean;
  provider: MarketProvider;
  /** Why secrets (remote agents' tokens, the broker's) cannot be stored on this system, or null. */
  secretStorageProblem: string | null;
}

export interface NewRemoteAgent {
  name: string;
  url: string;
  token: string;
}

/** What the shell tells the dashboard without being asked. */
export type DesktopEvent =
  /** A TLS certificate was refused (never accepted silently): the page shows it. */
  | { type: 'certificate-error'; url: string; error: string }
  /** The Kite login window finished: `ok`, or why not. */
  | { type: 'broker-login'; ok: boolean; message: string };

/** The IPC channel of each method: `ipcRenderer.invoke(channel, …args)`, answered by the main process. */
export const DESKTOP_CHANNELS = {
  listAgents: 'algodeck:list-agents',
  connection: 'algodeck:connection',
  selectAgent: 'algodeck:select-agent',
  addAgent: 'algodeck:add-agent',
  removeAgent: 'algodeck:remove-agent',
  openExternal: 'algodeck:open-external',
  brokerLogin: 'algodeck:broker-login',
  getSettings: 'algodeck:get-settings',
  setStartAtLogin: 'algodeck:set-start-at-login',
  setProvider: 'algodeck:set-provider',
} as const;

/** The channel the main process sends `DesktopEvent`s on. */
export const DESKTOP_EVENT_CHANNEL = 'algodeck:event';

export type DesktopMethod = keyof typeof DESKTOP_CHANNELS;

/** Every answer over IPC: a value, or an error with a stable code (an `ApiError`'s shape). */
export type DesktopResult<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string; field?: string } };

export interface DesktopApi {
  listAgents(): Promise<DesktopAgents>;
  /** The selected agent and its token (the embedded agent once it is up). */
  connection(): Promise<DesktopConnection>;
  /** Selects an agent; the window then reloads to show it. */
  selectAgent(id: string): Promise<DesktopConnection>;
  /** Checks the agent answers (TLS off loopback, the token accepted), then stores it and its token. */
  addAgent(agent: NewRemoteAgent): Promise<DesktopAgents>;
  removeAgent(id: string): Promise<DesktopAgents>;
  /** Opens a link in the OS browser if the allow-list has it; false when refused. */
  openExternal(url: string): Promise<boolean>;
  /** Opens the Kite login window for the selected agent; resolves when it closes. */
  brokerLogin(): Promise<{ ok: boolean; message: string }>;
  getSettings(): Promise<DesktopSettings>;
  setStartAtLogin(on: boolean): Promise<DesktopSettings>;
  /** Restarts this computer's agent on that market; resolves once it is up again (the window then reloads). */
  setProvider(provider: MarketProvider): Promise<DesktopSettings>;
  /** Returns the listener's removal. */
  onEvent(listener: (event: DesktopEvent) => void): () => void;
}

/** Each method's arguments, as the main process validates them. */
export type DesktopArgs = { [M in DesktopMethod]: Parameters<DesktopApi[M]> };
/** Each method's answer. */
export type DesktopValue = { [M in DesktopMethod]: Awaited<ReturnType<DesktopApi[M]>> };

/**
 * What the preload exposes: the same methods answering `DesktopResult`s. Errors are not thrown
 * across the context bridge (it keeps only their message); the page turns a refusal into an
 * `ApiError` itself (`desktopApi` in `desktop-client.ts`).
 */
export type DesktopBridge = { [M in DesktopMethod]: (...args: DesktopArgs[M]) => Promise<DesktopResult<DesktopValue[M]>> } & {
  onEvent(listener: (event: DesktopEvent) => void): () => void;
};

declare global {
  interface Window {
    /** Present only in the desktop app. */
    algodeckDesktop?: DesktopBridge;
  }
}
