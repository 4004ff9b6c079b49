/**
 * The one API contract: each method declared once (verb, path, who may call it, input schema,
 * result type). The agent's REST routes and handler map, the typed client and docs/API.md all
 * follow this table; a test fails when docs/API.md misses a method.
 */
import type { Candle, CandleInterval } from '../candle';
import type { Instrument } from '../instrument';
import type { Tick, TickMode } from '../tick';
import { type HandlersOf, type InputOf, method, type ParamsOf, type ResultOf, returns } from './method';
import {
  anySchema,
  candlesInput,
  emptySchema,
  listInstrumentsInput,
  quotesBodyInput,
  quotesInput,
  setWorkersInput,
  subscribeInput,
  unsubscribeInput,
} from './schemas';

export const API_PREFIX = '/api/v1';

export const api = {
  health: method({ method: 'GET', path: `${API_PREFIX}/health`, scope: 'public', input: anySchema, ...returns<HealthResult>() }),
  listInstruments: method({
    method: 'GET',
    path: `${API_PREFIX}/instruments`,
    scope: 'read',
    input: listInstrumentsInput,
    ...returns<{ instruments: Instrument[] }>(),
  }),
  getTicker: method({ method: 'GET', path: `${API_PREFIX}/ticker`, scope: 'read', input: emptySchema, ...returns<TickerState>() }),
  subscribe: method({
    method: 'POST',
    path: `${API_PREFIX}/ticker/subscriptions`,
    scope: 'control',
    input: subscribeInput,
    ...returns<TickerState>(),
  }),
  unsubscribe: method({
    method: 'DELETE',
    path: `${API_PREFIX}/ticker/subscriptions`,
    scope: 'control',
    input: unsubscribeInput,
    ...returns<TickerState>(),
  }),
  setWorkers: method({ method: 'PUT', path: `${API_PREFIX}/ticker/workers`, scope: 'control', input: setWorkersInput, ...returns<TickerState>() }),
  getQuotes: method({ method: 'GET', path: `${API_PREFIX}/quotes`, scope: 'read', input: quotesInput, ...returns<QuotesResult>() }),
  /** The same query as `getQuotes` with the ids in a body: 10,000 ids do not fit in a URL. */
  queryQuotes: method({ method: 'POST', path: `${API_PREFIX}/quotes`, scope: 'read', input: quotesBodyInput, ...returns<QuotesResult>() }),
  /** Candles of any interval over any range: stored, fetched from the provider's history when missing, and the forming one from live ticks. */
  getCandles: method({ method: 'GET', path: `${API_PREFIX}/candles`, scope: 'read', input: candlesInput, ...returns<CandlesResult>() }),
};

export type Api = typeof api;
export type MethodName = keyof Api;
export type ApiInput<K extends MethodName> = InputOf<Api[K]>;
export type ApiParams<K extends MethodName> = ParamsOf<Api[K]>;
export type ApiResult<K extends MethodName> = ResultOf<Api[K]>;
export type ApiHandlers = HandlersOf<Api>;

export interface HealthResult {
  status: 'ok';
  version: string;
  uptimeSeconds: number;
}

export type WorkerState = 'starting' | 'connecting' | 'ready' | 'reconnecting' | 'unresponsive' | 'stopping' | 'dead';

export interface WorkerInfo {
  /** A stable slot number; a replaced worker keeps its id and gets a new pid. */
  id: number;
  pid: number | null;
  state: WorkerState;
  instruments: string[];
  ticksPerSecond: number;
  lastTickAt: string | null;
  restarts: number;
  /** Resident memory of the worker process, from its last report (null before the first). */
  rssMb: number | null;
  /** Malformed frames from the broker that the worker dropped. */
  badFrames: number;
  /** The broker connection's state and last problem, e.g. `connected` or `reconnecting: HTTP 403`. */
  provider: string;
}

export interface SubscriptionInfo {
  instrument: string;
  mode: TickMode;
  worker: number | null;
  ticksPerSecond: number;
  lastTickAt: string | null;
  stale: boolean;
}

/** A stream connection as the hub sees it. */
export interface ConsumerInfo {
  id: number;
  format: 'json' | 'binary';
  instruments: number | 'all';
  /** Ticks sent to it. */
  delivered: number;
  /** Ticks it never got because it fell behind (replaced by a later tick of the same instrument). */
  conflated: number;
  lagging: boolean;
}

export interface TickerState {
  workers: WorkerInfo[];
  subscriptions: SubscriptionInfo[];
  limits: { instrumentsPerConnection: number; connectionsPerKey: number };
  staleAfterMs: number;
  stale: string[];
  ticksPerSecond: number;
  /** Everyone receiving ticks from this agent's stream. */
  consumers: ConsumerInfo[];
}

/** The latest tick of an instrument, and whether it is older than the ticker's stale limit. */
export type Quote = Tick & { stale: boolean };

export interface QuotesResult {
  quotes: Record<string, Quote>;
}

export interface CandlesResult {
  instrument: string;
  interval: CandleInterval;
  /** The exchange's time zone, for showing the UTC times. */
  timeZone: string;
  /** Completed bars, oldest first. */
  candles: Candle[];
  /** The bar not yet closed, from stored minutes and live ticks; null when `to` is in the past or nothing traded in it yet. */
  forming: Candle | null;
  /** Set when the provider's history could not be fetched: the candles are what the store has. */
  warning?: { code: 'provider_unavailable'; message: string };
}
