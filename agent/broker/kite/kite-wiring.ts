/**
 * The agent's ties to a Kite session: the websocket feed the workers dial, the quotes and
 * history asked of Kite's REST API, each failing with the error a user can act on, and the
 * broker the order router sends orders to.
 */
import type { Logger } from 'pino';
import { ApiError } from '../../../shared/errors';
import type { Instrument } from '../../../shared/instrument';
import type { Tick } from '../../../shared/tick';
import type { OrderBroker } from '../../orders/order-router';
import type { PaperUpdate } from '../../orders/paper-broker';
import type { Feed } from '../../services/market-service';
import type { KiteEndpoints } from '../../services/broker-service';
import type { Service } from '../../services/service';
import type { TickerSupervisor } from '../../ticker/ticker-supervisor';
import type { KiteApi } from './kite-api';
import { KiteOrderBroker, type KiteOrderBrokerOptions } from './kite-orders';
import { kiteQuotes } from './kite-quotes';
import type { KiteSession } from './kite-session';

/** Before the first login the worker needs some key in its URL; it waits unauthorized anyway. */
export const UNSET_KEY = 'unset';

/** Kite's websocket with the session's key and token (none before a login: the workers then wait). */
export function kiteFeed(endpoints: KiteEndpoints, session: KiteSession): Feed {
  const token = session.usableToken;
  return { url: endpoints.ws, apiKey: session.apiKey ?? UNSET_KEY, ...(token ? { accessToken: token } : {}) };
}

export function requireApi(session: KiteSession): KiteApi {
  if (!session.api) throw new ApiError('broker_not_configured', 'Set the API key and secret of your Kite app first (PUT /api/v1/broker/credentials).');
  return session.api;
}

/** How long a quote waits for its turn at Kite (1 request a second) before the answer goes without it. */
const QUOTE_WAIT_MS = 3000;

/** Quotes from Kite of instruments the ticker does not carry: none without a session, none after a wait. */
export async function brokerQuotes(session: KiteSession, wanted: Instrument[]): Promise<Map<string, Tick>> {
  if (session.usableToken === null) throw new ApiError('broker_login_required', 'Log in to Kite for quotes of instruments the ticker does not carry.');
  try {
    return await kiteQuotes(requireApi(session), wanted, AbortSignal.timeout(QUOTE_WAIT_MS));
  } catch (error) {
    if ((error as Error).name !== 'TimeoutError') throw error;
    throw new ApiError('broker_rate_limited', "Kite's quotes (1 request a second) are busy: subscribe the instruments to the ticker for live prices.");
  }
}

export type KiteOrderSettings = Pick<KiteOrderBrokerOptions, 'marketProtection' | 'product' | 'pollMs' | 'unsureForMs'>;

/**
 * The order router's broker on the session: orders through its REST client, their updates from
 * the ticker's connections (postbacks), looked at again after each login. `service` stops it
 * with the agent.
 */
export function kiteOrders(session: KiteSession, ticker: TickerSupervisor, log: Logger, settings: KiteOrderSettings = {}): { broker: (onUpdate: (update: PaperUpdate) => void) => OrderBroker; service: Service } {
  let broker: KiteOrderBroker | undefined;
  return {
    broker(onUpdate) {
      const created = new KiteOrderBroker({ ...settings, api: () => requireApi(session), onUpdate, log, postbacks: (listener) => ticker.onOrderUpdate(listener) });
      session.onToken((token) => token !== null && created.nudge());
      return (broker = created);
    },
    service: { name: 'kite-orders', start() {}, stop: () => broker?.stop() },
  };
}
