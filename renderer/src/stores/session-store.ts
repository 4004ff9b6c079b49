/**
 * Signing in from a browser: the agent answers a good token or password with an HttpOnly
 * session cookie, so the page never holds a secret (nothing in the URL or in local storage).
 * `check` asks the agent whether this browser's cookie is still good.
 *
 * In the desktop app there is no sign-in: the shell names the agent and hands over its token
 * (in memory, over IPC), and `check` asks the shell, then the agent.
 */
import { createStore } from 'zustand/vanilla';
import type { SessionInfo } from '../../../shared/contract/api';
import { type ApiClient, createApiClient, type FetchLike } from '../../../shared/contract/client';
import type { DesktopAgent, DesktopApi } from '../../../shared/desktop';
import { ApiError } from '../../../shared/errors';
import { type ShownError, shownError } from './errors';

export type SessionStatus = 'checking' | 'signed-out' | 'signed-in' | 'unreachable';

/** The agent the page talks to: its URL, and in the desktop app its token and the shell's entry. */
export interface AgentTarget {
  url: string;
  token?: string;
  desktop?: DesktopAgent;
}

export interface SessionSlice {
  status: SessionStatus;
  info: SessionInfo | null;
  error: ShownError | null;
  /** Known once the session is good (in a browser, from the start). */
  target: AgentTarget | null;
  check(): Promise<void>;
  signIn(secret: { token: string } | { password: string }): Promise<boolean>;
  signOut(): Promise<void>;
  /** The agent answered 401 to some call: the session ended (expired, or signed out elsewhere). */
  ended(): void;
}

export function createSessionStore(api: ApiClient, url: string) {
  return createStore<SessionSlice>()((set) => ({
    status: 'checking',
    info: null,
    error: null,
    target: { url },
    async check() {
      try {
        set({ status: 'signed-in', info: await api.call('getSession'), error: null });
      } catch (error) {
        if (error instanceof ApiError && error.code === 'unauthorized') set({ status: 'signed-out', info: null, error: null });
        else set({ status: 'unreachable', error: shownError(error) });
      }
    },
    async signIn(secret) {
      try {
        set({ status: 'signed-in', info: await api.call('signIn', secret), error: null });
        return true;
      } catch (error) {
        set({ error: shownError(error) });
        return false;
      }
    },
    async signOut() {
      try {
        await api.call('signOut');
      } finally {
        set({ status: 'signed-out', info: null, error: null });
      }
    },
    ended: () => set({ status: 'signed-out', info: null, error: { code: 'unauthorized', message: 'Your session ended: sign in again.' } }),
  }));
}
export type SessionStore = ReturnType<typeof createSessionStore>;

/**
 * The desktop app's session: the shell's selected agent and its token. While the embedded agent
 * starts (the shell answers `unavailable`), `check` tries again every `retryMs`; once it is up,
 * the page reloads, as its Content-Security-Policy could not name the agent's address before.
 */
export function createDesktopSessionStore(desktop: DesktopApi, fetch: FetchLike, reload: () => void, retryMs = 1_000): SessionStore {
  let retry: ReturnType<typeof setTimeout> | null = null;
  let waited = false;
  return createStore<SessionSlice>()((set, get) => ({
    status: 'checking',
    info: null,
    error: null,
    target: null,
    async check() {
      if (retry !== null) clearTimeout(retry);
      retry = null;
      let connection: Awaited<ReturnType<DesktopApi['connection']>>;
      try {
        connection = await desktop.connection();
      } catch (error) {
        // The shell's own agent is starting (or failed, and the shell says why): ask again.
        const starting = error instanceof ApiError && error.code === 'unavailable';
        set({ status: 'unreachable', error: starting ? { code: 'starting', message: error.message } : shownError(error), target: null });
        if (starting) {
          waited = true;
          retry = setTimeout(() => void get().check(), retryMs);
        }
        return;
      }
      if (waited) {
        reload();
        return;
      }
      const { agent, token } = connection;
      try {
        const info = await createApiClient(agent.url, token, fetch).call('getSession');
        set({ status: 'signed-in', info, error: null, target: { url: agent.url, token, desktop: agent } });
      } catch (error) {
        set({ status: 'unreachable', error: shownError(error), target: { url: agent.url, token, desktop: agent } });
      }
    },
    // Nothing to sign in to or out of: the shell holds the agents' tokens.
    signIn: async () => false,
    signOut: async () => undefined,
    ended: () => {
      const name = get().target?.desktop?.name ?? 'The agent';
      set({ status: 'unreachable', info: null, target: null, error: { code: 'unauthorized', message: `${name} no longer accepts the token AlgoDeck holds for it: remove it in Settings and add it again with its current token.` } });
    },
  }));
}

/** An agent token's shape (16–512 of `A-Z a-z 0-9 . _ ~ + -`), checked as the user types. */
const TOKEN = /^[A-Za-z0-9._~+-]{16,512}$/;

export function tokenProblem(token: string): string | null {
  if (token.length === 0) return null;
  if (token.length < 16) return 'An agent token has at least 16 characters.';
  if (token.length > 512) return 'An agent token has at most 512 characters.';
  if (!TOKEN.test(token)) return 'A token has only letters, digits and . _ ~ + -';
  return null;
}
