/**
 * Signing in from a browser: the agent answers a good token or password with an HttpOnly
 * session cookie, so the page never holds a secret (nothing in the URL or in local storage).
 * `check` asks the agent whether this browser's cookie is still good.
 */
import { createStore } from 'zustand/vanilla';
import type { SessionInfo } from '../../../shared/contract/api';
import { type ApiClient } from '../../../shared/contract/client';
import { ApiError } from '../../../shared/errors';
import { type ShownError, shownError } from './errors';

export type SessionStatus = 'checking' | 'signed-out' | 'signed-in' | 'unreachable';

export interface SessionSlice {
  status: SessionStatus;
  info: SessionInfo | null;
  error: ShownError | null;
  check(): Promise<void>;
  signIn(secret: { token: string } | { password: string }): Promise<boolean>;
  signOut(): Promise<void>;
  /** The agent answered 401 to some call: the session ended (expired, or signed out elsewhere). */
  ended(): void;
}

export function createSessionStore(api: ApiClient) {
  return createStore<SessionSlice>()((set) => ({
    status: 'checking',
    info: null,
    error: null,
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

/** An agent token's shape (16–512 of `A-Z a-z 0-9 . _ ~ + -`), checked as the user types. */
const TOKEN = /^[A-Za-z0-9._~+-]{16,512}$/;

export function tokenProblem(token: string): string | null {
  if (token.length === 0) return null;
  if (token.length < 16) return 'An agent token has at least 16 characters.';
  if (token.length > 512) return 'An agent token has at most 512 characters.';
  if (!TOKEN.test(token)) return 'A token has only letters, digits and . _ ~ + -';
  return null;
}
