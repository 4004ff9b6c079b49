/**
 * The broker as a service: which provider the agent uses (the simulated market, or Kite), and
 * for Kite the session (credentials, the daily login, the access token) with its API methods,
 * among them the login redirect's callback page. Secrets go through the secret store.
 */
import type { Logger } from 'pino';
import type { Api, BrokerProvider, BrokerSession, BrokerState } from '../../shared/contract/api';
import { API_PREFIX } from '../../shared/contract/api';
import { HtmlPage } from '../../shared/contract/method';
import { ApiError } from '../../shared/errors';
import type { ApiCore } from '../api/api-core';
import { KITE_API_ROOT, type KiteCallClass } from '../broker/kite/kite-api';
import { KITE_LOGIN_ROOT, readCallback } from '../broker/kite/kite-login';
import { KiteSession } from '../broker/kite/kite-session';
import type { SecretStore } from '../broker/secret-store';
import type { BucketSpec } from '../broker/token-bucket';
import type { AgentDb } from '../store/agent-db';
import type { Instruments } from './instruments-service';
import type { Service } from './service';

export const KITE_TICKER_URL = 'wss://ws.kite.trade';

export interface KiteEndpoints {
  /** REST root. */
  root: string;
  /** The ticker's websocket. */
  ws: string;
  /** Where the login page is. */
  login: string;
}

/** Kite's own addresses, or all three at one root (the emulator serves REST, websocket and login on one port). */
export function kiteEndpoints(root?: string): KiteEndpoints {
  if (root === undefined) return { root: KITE_API_ROOT, ws: KITE_TICKER_URL, login: KITE_LOGIN_ROOT };
  const url = new URL(root);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`the Kite root must be an http(s) URL, got ${root}`);
  const base = url.toString().replace(/\/$/, '');
  return { root: base, ws: base.replace(/^http/, 'ws'), login: base };
}

export interface BrokerServiceOptions {
  provider: BrokerProvider;
  db: AgentDb;
  secrets: SecretStore;
  log: Logger;
  api: ApiCore<Api>;
  kite?: {
    endpoints: KiteEndpoints;
    apiKey?: string;
    apiSecret?: string;
    limits?: Partial<Record<KiteCallClass, readonly BucketSpec[]>>;
  };
}

export interface Broker {
  provider: BrokerProvider;
  /** Kite's session; undefined for the simulated market. */
  kite: KiteSession | undefined;
  session(): BrokerSession;
}

const SIM_SESSION: BrokerSession = {
  provider: 'sim',
  userId: null,
  userName: null,
  session: 'logged-in',
  expiresAt: null,
  loggedInAt: null,
  credentials: null,
};

export function brokerService(options: BrokerServiceOptions): Service<Broker> {
  return {
    name: 'broker',
    start() {
      if (options.provider === 'sim') return { provider: 'sim', kite: undefined, session: () => SIM_SESSION };
      const { kite } = options;
      if (!kite) throw new Error('the Kite provider needs its endpoints');
      const session = new KiteSession({
        db: options.db,
        secrets: options.secrets,
        root: kite.endpoints.root,
        loginRoot: kite.endpoints.login,
        log: options.log,
        ...(kite.apiKey ? { apiKey: kite.apiKey } : {}),
        ...(kite.apiSecret ? { apiSecret: kite.apiSecret } : {}),
        ...(kite.limits ? { limits: kite.limits } : {}),
      });
      return { provider: 'kite', kite: session, session: () => session.session() };
    },
    stop() {},
  };
}

/** The broker's API methods; `agentUrl` gives the address the callback is reached at. */
export function provideBrokerApi(api: ApiCore<Api>, broker: Broker, instruments: Instruments, agentUrl: () => string | null): void {
  const state = (): BrokerState => {
    const url = agentUrl();
    return {
      ...broker.session(),
      redirectUrl: broker.kite && url ? `${url}${API_PREFIX}/broker/kite/callback` : null,
      instruments: instruments.master(),
    };
  };
  const kite = (): KiteSession => {
    if (!broker.kite) throw new ApiError('conflict', 'The simulated market needs no broker login; start the agent with --provider kite.');
    return broker.kite;
  };
  api.provide({
    getBroker: () => state(),
    setBrokerCredentials: ({ apiKey, apiSecret }) => {
      kite().setCredentials(apiKey, apiSecret);
      return state();
    },
    getBrokerLoginUrl: () => ({ url: kite().loginUrl() }),
    createBrokerSession: async ({ requestToken }) => {
      await kite().completeLogin(requestToken);
      return state();
    },
    deleteBrokerSession: async () => {
      await kite().logout();
      return state();
    },
    kiteLoginCallback: async (query) => {
      try {
        const params = readCallback(query);
        if ('refused' in params) return page(400, 'Kite login refused', params.refused);
        const session = await kite().completeLogin(params.requestToken, params.state);
        return page(200, 'Logged in to Kite', `AlgoDeck is logged in as ${session.userId ?? 'you'} until ${formatIst(session.expiresAt)}. You can close this tab.`);
      } catch (error) {
        const message = error instanceof ApiError ? error.message : 'The login could not be completed.';
        return page(error instanceof ApiError ? error.status : 500, 'Kite login failed', message);
      }
    },
  });
}

function formatIst(iso: string | null): string {
  if (!iso) return 'the token expires';
  const text = new Date(iso).toLocaleString('en-IN', { timeZone: 'Asia/Kolkata', dateStyle: 'medium', timeStyle: 'short' });
  return `${text} IST`;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** A short page in the dashboard's colours: what happened, and nothing to click. */
function page(status: number, title: string, message: string): HtmlPage {
  const ok = status < 400;
  return new HtmlPage(
    status,
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
      `<title>${escape(title)} · AlgoDeck</title><style>` +
      `body{margin:0;min-height:100vh;display:grid;place-items:center;background:#141414;color:#e8e8e8;font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif}` +
      `main{max-width:28rem;padding:2rem 2.25rem;border-radius:8px;background:#1f1f1f;border-top:4px solid ${ok ? '#49aa19' : '#dc4446'}}` +
      `h1{margin:0 0 .5rem;font-size:1.15rem}p{margin:0;color:#bfbfbf}small{display:block;margin-top:1.25rem;color:#8c8c8c}` +
      `</style></head><body><main><h1>${escape(title)}</h1><p>${escape(message)}</p><small>AlgoDeck</small></main></body></html>`,
  );
}
