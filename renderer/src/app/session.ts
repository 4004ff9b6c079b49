/**
 * The page's agent and how it is reached. In a browser: the agent that served the page, signed in
 * with an HttpOnly cookie. In the desktop app: the agent the shell names (its own, or a remote one
 * chosen in Settings), called with the token the shell hands over IPC and holds for it.
 */
import { createApiClient } from '../../../shared/contract/client';
import { desktopApi } from '../../../shared/desktop-client';
import { browserFetch } from '../agent/agent-connection';
import { createDesktopStore } from '../stores/desktop-store';
import { createDesktopSessionStore, createSessionStore } from '../stores/session-store';

/** The desktop shell's API; absent in a browser. */
export const desktop = window.algodeckDesktop ? desktopApi(window.algodeckDesktop) : null;
/** The agent that served the page (a browser's only agent). */
export const agentUrl = window.location.origin;
export const session = desktop ? createDesktopSessionStore(desktop, browserFetch, () => window.location.reload()) : createSessionStore(createApiClient(agentUrl, undefined, browserFetch), agentUrl);

/** The desktop app's agents and settings (Settings shows them); null in a browser. */
export const desktopStore = desktop ? createDesktopStore(desktop, () => window.location.reload()) : null;
