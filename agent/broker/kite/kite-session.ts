/**
 * The Kite session of one agent: the API key and secret, the day's access token, who is logged
 * in and until when. The login is Kite's request-token flow (kite-login.ts); the token and the
 * secret live in the secret store, the rest in the agent's settings, so a restarted agent is
 * still logged in until the token expires. Whoever holds a connection to Kite (the ticker, the
 * REST client) hears of every new token, and of a logout.
 */
import type { Logger } from 'pino';
import type { BrokerSession } from '../../../shared/contract/api';
import { ApiError } from '../../../shared/errors';
import type { AgentDb } from '../../store/agent-db';
import type { SecretStore } from '../secret-store';
import type { BucketSpec } from '../token-bucket';
import { KiteApi, type KiteCallClass } from './kite-api';
import { kiteLoginUrl, kiteTokenExpiry, LoginStates } from './kite-login';

export interface KiteSessionOptions {
  db: AgentDb;
  secrets: SecretStore;
  /** Kite's REST root (or the emulator's). */
  root: string;
  /** Where the login page is (Kite's, or the emulator's). */
  loginRoot: string;
  log: Logger;
  /** From the command line or the environment: they win over stored ones and are not stored. */
  apiKey?: string;
  apiSecret?: string;
  limits?: Partial<Record<KiteCallClass, readonly BucketSpec[]>>;
  now?: () => number;
}

const SECRET = 'kite.apiSecret';
const ACCESS_TOKEN = 'kite.accessToken';
const SETTINGS = {
  apiKey: 'kite.apiKey',
  userId: 'kite.userId',
  userName: 'kite.userName',
  loginAt: 'kite.loginAt',
  rejected: 'kite.tokenRejected',
} as const;

const API_KEY = /^[A-Za-z0-9]{4,64}$/;

export class KiteSession {
  private kiteApi: KiteApi | undefined;
  private readonly states = new LoginStates();
  private readonly listeners: Array<(accessToken: string | null) => void> = [];
  private readonly now: () => number;
  /** A login in progress: a second one waits for it rather than spending a second request token. */
  private exchanging: Promise<unknown> = Promise.resolve();
  /** A session check in flight (see checkToken). */
  private checking: Promise<void> | undefined;

  constructor(private readonly options: KiteSessionOptions) {
    this.now = options.now ?? Date.now;
    const apiKey = this.apiKey;
    if (apiKey) this.kiteApi = this.makeApi(apiKey);
  }

  get apiKey(): string | undefined {
    return this.options.apiKey ?? this.options.db.setting(SETTINGS.apiKey);
  }

  private get apiSecret(): string | undefined {
    return this.options.apiSecret ?? this.options.secrets.get(SECRET);
  }

  /** The REST client, once an API key is known. */
  get api(): KiteApi | undefined {
    return this.kiteApi;
  }

  get accessToken(): string | undefined {
    return this.options.secrets.get(ACCESS_TOKEN);
  }

  /** The token a connection may use now: none when it expired or Kite refused it. */
  get usableToken(): string | null {
    return this.session().session === 'logged-in' ? (this.accessToken ?? null) : null;
  }

  /** Told the new token after each login, and null after a logout. */
  onToken(listener: (accessToken: string | null) => void): void {
    this.listeners.push(listener);
  }

  session(): BrokerSession {
    const { db } = this.options;
    const loginAt = Number(db.setting(SETTINGS.loginAt) ?? NaN);
    const token = this.accessToken;
    const expiresAt = token && Number.isFinite(loginAt) ? kiteTokenExpiry(loginAt) : null;
    const session = !token ? 'needs-login' : db.setting(SETTINGS.rejected) === '1' || (expiresAt !== null && this.now() >= expiresAt) ? 'expired' : 'logged-in';
    return {
      provider: 'kite',
      userId: token ? (db.setting(SETTINGS.userId) ?? null) : null,
      userName: token ? (db.setting(SETTINGS.userName) ?? null) : null,
      session,
      expiresAt: expiresAt === null ? null : new Date(expiresAt).toISOString(),
      loggedInAt: token && Number.isFinite(loginAt) ? new Date(loginAt).toISOString() : null,
      credentials: { apiKey: this.apiKey ?? null, apiSecretSet: this.apiSecret !== undefined, store: this.options.secrets.kind },
    };
  }

  /** New credentials; a session of another API key ends, since its token is that key's. */
  setCredentials(apiKey: string, apiSecret: string): void {
    if (!API_KEY.test(apiKey)) throw new ApiError('invalid_request', 'apiKey: expected the API key of your Kite app (letters and digits).', { field: 'apiKey' });
    if (this.options.apiKey !== undefined && apiKey !== this.options.apiKey) {
      throw new ApiError('conflict', 'The API key was given on the command line (--kite-api-key); change it there.', { field: 'apiKey' });
    }
    if (this.options.apiSecret !== undefined && apiSecret !== this.options.apiSecret) {
      throw new ApiError('conflict', 'The API secret was given in the environment (KITE_API_SECRET); change it there.', { field: 'apiSecret' });
    }
    const changedKey = apiKey !== this.apiKey;
    // The key first: a failure between the two writes leaves the old secret with the new key, which a retry mends.
    this.options.db.saveSettings({ [SETTINGS.apiKey]: apiKey });
    if (this.options.apiSecret === undefined) this.options.secrets.set(SECRET, apiSecret);
    if (changedKey || !this.kiteApi) {
      this.kiteApi = this.makeApi(apiKey);
      if (this.accessToken) this.endSession('the API key changed');
    }
  }

  /** The login page for a new login, with a one-time state for the callback. */
  loginUrl(): string {
    const apiKey = this.requireConfigured();
    return kiteLoginUrl(this.options.loginRoot, apiKey, this.states.issue());
  }

  /**
   * Completes a login with the request token Kite gave the redirect: checked against the
   * one-time state when it came through the callback, exchanged for the day's access token.
   */
  completeLogin(requestToken: string, state?: string): Promise<BrokerSession> {
    if (state !== undefined && !this.states.consume(state)) {
      return Promise.reject(new ApiError('broker_login_failed', 'This login link was not issued by this agent, was used already, or is over ten minutes old. Start the login again.'));
    }
    const run = this.exchanging.then(() => this.exchange(requestToken));
    this.exchanging = run.catch(() => undefined);
    // Kite could not be reached: the same redirect may be tried again (its request token is still good).
    if (state !== undefined) {
      run.catch((error: unknown) => {
        if (error instanceof ApiError && error.code === 'provider_unavailable') this.states.giveBack(state);
      });
    }
    return run;
  }

  /** Ends the session here and at Kite (if Kite can be reached). */
  async logout(): Promise<BrokerSession> {
    const token = this.accessToken;
    if (token && this.kiteApi && this.session().session === 'logged-in') {
      await this.kiteApi.call('other', 'the logout', (kite) => kite.invalidateAccessToken(token)).catch((error: unknown) => {
        this.options.log.warn({ reason: (error as Error).message }, 'Kite did not confirm the logout; the token is forgotten here anyway');
      });
    }
    this.endSession('logged out');
    return this.session();
  }

  /**
   * The ticker's connection was refused (HTTP 403). The refusal may be for a token older than
   * the current one (a worker's report on its way while a login completed), so Kite is asked
   * whether the current token still works: a TokenException ends the session (through the REST
   * client's report); an answer means the refusal was stale. One check at a time.
   */
  checkToken(): void {
    const token = this.accessToken;
    if (!token || !this.kiteApi || this.checking || this.session().session !== 'logged-in') return;
    this.checking = this.kiteApi
      .call('other', 'the session check', (kite) => kite.getProfile())
      .then(
        () => {
          // A worker parked on that refusal is told the token again, and connects.
          this.options.log.info('the ticker was refused, but Kite accepts the current access token: the ticker tries again');
          if (this.accessToken === token) this.tell(token);
        },
        (error: unknown) => this.options.log.warn({ reason: (error as Error).message }, 'Kite refused the ticker; the session check failed'),
      )
      .finally(() => (this.checking = undefined));
  }

  /** Kite refused `token` (TokenException on REST): the session is over. */
  private tokenRejected(token: string): void {
    const current = this.accessToken;
    if (!current || token !== current || this.options.db.setting(SETTINGS.rejected) === '1') return;
    this.options.db.saveSettings({ [SETTINGS.rejected]: '1' });
    this.options.log.warn('Kite refused the access token: log in again');
  }

  private async exchange(requestToken: string): Promise<BrokerSession> {
    const api = this.kiteApi;
    const apiSecret = this.apiSecret;
    if (!api || apiSecret === undefined) this.requireConfigured();
    let answer: unknown;
    try {
      // A TokenException here is about the request token or the secret, not the session in use.
      answer = await api!.call('other', 'the login', (kite) => kite.generateSession(requestToken, apiSecret!), undefined, false);
    } catch (error) {
      if (error instanceof ApiError && error.code === 'broker_login_required') {
        throw new ApiError('broker_login_failed', `${error.message.replace(/ Log in to Kite again.*$/, '')} The request token is good for one use and a few minutes, and the API secret must be your app's.`);
      }
      throw error;
    }
    const { access_token: accessToken, user_id: userId, user_name: userName } = (answer ?? {}) as Record<string, unknown>;
    if (typeof accessToken !== 'string' || accessToken === '' || typeof userId !== 'string') {
      throw new ApiError('provider_unavailable', 'Kite answered the login without an access token or user id.');
    }
    if (api !== this.kiteApi) throw new ApiError('conflict', 'The API key changed while the login ran; log in again with the new key.');
    const previous = this.accessToken;
    try {
      this.options.secrets.set(ACCESS_TOKEN, accessToken);
      this.options.db.saveSettings({
        [SETTINGS.userId]: userId,
        [SETTINGS.userName]: typeof userName === 'string' ? userName : null,
        // The login's time as this machine saw it: Kite's login_time is IST text a client reads in its own zone.
        [SETTINGS.loginAt]: String(this.now()),
        [SETTINGS.rejected]: null,
      });
    } catch (error) {
      // Half a login is none: the token goes back to what it was.
      if (previous === undefined) this.options.secrets.delete(ACCESS_TOKEN);
      else this.options.secrets.set(ACCESS_TOKEN, previous);
      throw error;
    }
    api!.setAccessToken(accessToken);
    this.options.log.info({ userId }, 'logged in to Kite');
    this.tell(accessToken);
    return this.session();
  }

  private endSession(why: string): void {
    this.options.secrets.delete(ACCESS_TOKEN);
    this.options.db.saveSettings({ [SETTINGS.userId]: null, [SETTINGS.userName]: null, [SETTINGS.loginAt]: null, [SETTINGS.rejected]: null });
    this.kiteApi?.setAccessToken(null);
    this.options.log.info({ why }, 'Kite session ended');
    this.tell(null);
  }

  private tell(accessToken: string | null): void {
    for (const listener of this.listeners) {
      try {
        listener(accessToken);
      } catch (error) {
        this.options.log.error({ err: error }, 'a listener of the Kite session failed');
      }
    }
  }

  private requireConfigured(): string {
    const apiKey = this.apiKey;
    if (!apiKey || this.apiSecret === undefined) {
      throw new ApiError('broker_not_configured', 'Set the API key and secret of your Kite app first (PUT /api/v1/broker/credentials).');
    }
    return apiKey;
  }

  private makeApi(apiKey: string): KiteApi {
    const token = this.accessToken;
    return new KiteApi({
      root: this.options.root,
      apiKey,
      ...(token ? { accessToken: token } : {}),
      log: this.options.log,
      onTokenRejected: (rejected) => this.tokenRejected(rejected),
      ...(this.options.limits ? { limits: this.options.limits } : {}),
    });
  }
}
