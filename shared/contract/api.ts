/**
 * The one API contract: each method declared once (HTTP verb, path, input schema) with its
 * result type. The agent's REST routes and handler map, the typed client and docs/API.md all
 * follow this table.
 */
import type { z } from 'zod';
import type { Instrument } from '../instrument';
import type { Tick, TickMode } from '../tick';
import {
  anySchema,
  emptySchema,
  listInstrumentsInput,
  quotesInput,
  setWorkersInput,
  subscribeInput,
  unsubscribeInput,
} from './schemas';

export interface MethodDeclaration {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  /** Health is the only method a caller may use without the token. */
  auth: boolean;
  input: z.ZodType;
}

export const API_PREFIX = '/api/v1';

export const api = {
  health: { method: 'GET', path: `${API_PREFIX}/health`, auth: false, input: anySchema },
  listInstruments: { method: 'GET', path: `${API_PREFIX}/instruments`, auth: true, input: listInstrumentsInput },
  getTicker: { method: 'GET', path: `${API_PREFIX}/ticker`, auth: true, input: emptySchema },
  subscribe: { method: 'POST', path: `${API_PREFIX}/ticker/subscriptions`, auth: true, input: subscribeInput },
  unsubscribe: { method: 'DELETE', path: `${API_PREFIX}/ticker/subscriptions`, auth: true, input: unsubscribeInput },
  setWorkers: { method: 'PUT', path: `${API_PREFIX}/ticker/workers`, auth: true, input: setWorkersInput },
  getQuotes: { method: 'GET', path: `${API_PREFIX}/quotes`, auth: true, input: quotesInput },
} as const satisfies Record<string, MethodDeclaration>;

export type Api = typeof api;
export type MethodName = keyof Api;

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

export interface ApiResults {
  health: HealthResult;
  listInstruments: { instruments: Instrument[] };
  getTicker: TickerState;
  subscribe: TickerState;
  unsubscribe: TickerState;
  setWorkers: TickerState;
  getQuotes: { quotes: Record<string, Quote> };
}

/** What a caller passes (before defaults and coercion). */
export type ApiInput<K extends MethodName> = z.input<Api[K]['input']>;
/** What a handler receives (validated, defaults applied). */
export type ApiParams<K extends MethodName> = z.output<Api[K]['input']>;
export type ApiResult<K extends MethodName> = ApiResults[K];

export type ApiHandlers = {
  [K in MethodName]: (params: ApiParams<K>) => ApiResult<K> | Promise<ApiResult<K>>;
};
