/**
 * Browser sign-in as a service: the session store, the password, the count of failed attempts,
 * the guard against other sites, and the API methods of the caller's own session.
 */
import type { Api, SessionInfo } from '../../shared/contract/api';
import { WithCookies } from '../../shared/contract/method';
import type { Principal } from '../../shared/contract/scopes';
import { ApiError } from '../../shared/errors';
import type { ApiCore } from '../api/api-core';
import type { Authenticator } from '../server/auth';
import { BrowserSessions, clearedCookie, sessionCookie } from '../server/browser-sessions';
import { hashPassword, verifyPassword } from '../server/password';
import { SignInAttempts } from '../server/sign-in-attempts';
import { SiteGuard } from '../server/site-guard';
import type { AgentDb } from '../store/agent-db';
import type { Service } from './service';

export interface BrowserAccess {
  sessions: BrowserSessions;
  guard: SiteGuard;
}

export interface SessionsServiceOptions {
  db: AgentDb;
  auth: Authenticator;
  api: ApiCore<Api>;
  host: string;
  secure: boolean;
  /** Further names users reach the agent by (`--public-name`), already checked by publicName(). */
  publicNames?: readonly string[];
}

const PASSWORD = 'dashboard.password';

export function sessionsService(options: SessionsServiceOptions): Service<BrowserAccess> {
  return {
    name: 'sessions',
    start() {
      const { db, auth, api, secure } = options;
      const sessions = new BrowserSessions(db.db);
      const attempts = new SignInAttempts();
      const passwordSet = () => db.setting(PASSWORD) !== undefined;
      const info = (principal: Principal | undefined, expiresAt: number | null): SessionInfo => ({
        principal: principal?.kind ?? 'session',
        expiresAt: expiresAt === null ? null : new Date(expiresAt).toISOString(),
        passwordSet: passwordSet(),
      });
      const signedIn = () => {
        const { value, expiresAt } = sessions.create();
        return new WithCookies(info({ kind: 'session', sessionId: '' }, expiresAt), [sessionCookie(value, expiresAt, secure)]);
      };
      api.provide({
        signIn: async ({ token, password }, { http }) => {
          const address = http?.address ?? 'unknown';
          const wait = attempts.waitMs(address);
          if (wait > 0) throw new ApiError('too_many_attempts', `Too many failed sign-ins: try again in ${Math.ceil(wait / 1000)} s.`);
          const stored = db.setting(PASSWORD);
          const ok = token !== undefined ? auth.resolve(token)?.kind === 'owner' : stored !== undefined && (await verifyPassword(password!, stored));
          if (!ok) {
            attempts.failed(address);
            throw new ApiError('unauthorized', token !== undefined ? 'That is not the agent\'s token.' : stored === undefined ? 'No password is set: sign in with the agent\'s token.' : 'Wrong password.', {
              field: token !== undefined ? 'token' : 'password',
            });
          }
          attempts.succeeded(address);
          return signedIn();
        },
        getSession: (_input, { principal, http }) => {
          if (principal?.kind !== 'session') return info(principal, null);
          // The expiry slides with use; the cookie is given the same new lifetime, so a browser
          // in daily use is not signed out a week after it signed in.
          const expiresAt = sessions.expiresAt(http?.sessionCookie);
          if (expiresAt === null || http?.sessionCookie === undefined) return info(principal, null);
          return new WithCookies(info(principal, expiresAt), [sessionCookie(http.sessionCookie, expiresAt, secure)]);
        },
        signOut: (_input, { http }) => {
          sessions.end(http?.sessionCookie);
          return new WithCookies({ signedOut: true }, [clearedCookie(secure)]);
        },
        setPassword: async ({ password }, { principal }) => {
          db.saveSettings({ [PASSWORD]: await hashPassword(password) });
          sessions.endAll();
          // The browser that set it stays signed in, with a new session.
          return principal?.kind === 'session' ? signedIn() : info(principal, null);
        },
      });
      return { sessions, guard: new SiteGuard(options.host, secure ? 'https' : 'http', options.publicNames ?? []) };
    },
    stop() {},
  };
}
