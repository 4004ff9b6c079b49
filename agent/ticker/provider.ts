/**
 * A market-data provider is one broker connection held by one ticker worker. The simulated
 * market and Kite both speak Kite's ticker protocol, so both use the same provider; another
 * broker plugs in by implementing this interface.
 */
import type { TickMode } from '../../shared/tick';
import type { KiteOrderUpdate } from '../broker/kite/kite-order-update';

/**
 * The largest broker frame a worker forwards. Kite's largest is 3000 full packets (about
 * 560 KB); a message far past it is garbage. The tick link enforces the same limit.
 */
export const MAX_BROKER_FRAME_BYTES = 4 * 1024 * 1024;

/**
 * `unauthorized`: the broker refused the access token (HTTP 403 on upgrade), or there is none.
 * The provider then waits, without retrying, for `setAccessToken`: a refused token stays refused,
 * and retrying it would only earn a ban.
 */
export type ProviderState = 'connecting' | 'connected' | 'reconnecting' | 'unauthorized' | 'closed';

export interface ProviderLimits {
  instrumentsPerConnection: number;
  connectionsPerKey: number;
}

export interface ProviderListener {
  /** A validated Kite binary frame (`uint16 count` + packets), stamped when it arrived. */
  frame(bytes: Uint8Array, receivedAt: number): void;
  state(state: ProviderState, detail?: string): void;
  /** Text the broker sent (errors such as a refused subscription, or messages). */
  notice(level: 'error' | 'message', text: string): void;
  /** An order update the broker sent on this connection (Kite's postback), checked. */
  order?(update: KiteOrderUpdate): void;
}

export interface MarketDataProvider {
  /** Starts connecting; reconnects with backoff on its own until `close()`. */
  connect(): void;
  /** Subscriptions persist across reconnects: they are replayed on every (re)connect. */
  subscribe(tokens: readonly number[], mode: TickMode): void;
  unsubscribe(tokens: readonly number[]): void;
  setMode(tokens: readonly number[], mode: TickMode): void;
  /** Flow control: stop reading from the broker until `resume()` (the connection stays up). */
  pause(): void;
  resume(): void;
  /** New credentials (the day's login): an unauthorized provider connects again at once; a null token disconnects and waits. */
  setCredentials(apiKey: string, accessToken: string | null): void;
  close(): Promise<void>;
}

/** What a worker needs to open its connection; sent by the agent when it starts the worker. */
export interface ProviderConfig {
  kind: 'kite-ws';
  /** e.g. wss://ws.kite.trade, or the simulated market's loopback address. */
  url: string;
  apiKey: string;
  /** The day's access token; absent until the broker login, when the provider waits `unauthorized`. */
  accessToken?: string;
  /** No frame for this long (heartbeats included) means the connection is dead. */
  idleTimeoutMs?: number;
  reconnect?: { initialDelayMs: number; maxDelayMs: number };
}
