/**
 * The AlgoDeck SDK for TypeScript and JavaScript algos (Node 20+): `const algo = await connect()`.
 * See sdk/ts/README.md and docs for the whole API.
 */
import { AlgoDeckError } from './errors';
import { Algo } from './algo';
import { Rest } from './rest';
import { AlgoState } from './state';
import { Stream } from './stream';

export { Algo, type AlgoRisk, type PlaceOrder } from './algo';
export type { Bar, CandlesOptions } from './candles';
export type { LiveIterator } from './channel';
export { AlgoDeckError, RiskRejectedError } from './errors';
export type { Log, LogFields, LogLevel } from './log';
export type { AlgoState, JsonValue } from './state';
export type { Quote } from '../../../shared/contract/api';
export type { RiskMessage } from '../../../shared/contract/stream';
export type { Candle, CandleInterval } from '../../../shared/candle';
export type { Instrument } from '../../../shared/instrument';
export type { Order, OrderSide, OrderState, OrderType } from '../../../shared/order';
export type { PositionInfo, RiskRule } from '../../../shared/risk';
export type { Tick, TickMode } from '../../../shared/tick';

export interface ConnectOptions {
  /** The agent's URL (default `ALGODECK_URL`, else http://127.0.0.1:7420). */
  url?: string;
  /** A token (default: the task's `ALGODECK_TASK_TOKEN`, else `ALGODECK_TOKEN`). */
  token?: string;
  /** The algo's name (default: the task's `ALGODECK_TASK_NAME`, else `ALGODECK_ALGO`). */
  algo?: string;
  /** The stream's reconnect delays (default 250 ms doubling to 5 s, with jitter). */
  reconnect?: { initialDelayMs: number; maxDelayMs: number };
  /** How long a REST call waits for an agent that refuses connections (default 30 s). */
  retryMs?: number;
  /** Handle SIGTERM and SIGINT: run the onStop handlers, close and exit 0 (default true). */
  handleSignals?: boolean;
  /** Where the settings are read from (default process.env). */
  env?: Record<string, string | undefined>;
}

export const DEFAULT_URL = 'http://127.0.0.1:7420';

/** What connect() uses, from the options and then the environment. */
export function resolveSettings(options: ConnectOptions = {}): { url: string; token: string; algo: string } {
  const env = options.env ?? process.env;
  const pick = (...values: Array<string | undefined>) => values.find((value) => value !== undefined && value !== '');
  const url = pick(options.url, env.ALGODECK_URL) ?? DEFAULT_URL;
  const token = pick(options.token, env.ALGODECK_TASK_TOKEN, env.ALGODECK_TOKEN);
  const algo = pick(options.algo, env.ALGODECK_TASK_NAME, env.ALGODECK_ALGO);
  if (token === undefined) {
    throw new AlgoDeckError('unauthorized', 'No token: run as a task of the agent (ALGODECK_TASK_TOKEN), or give ALGODECK_TOKEN or connect({ token }).', { field: 'token' });
  }
  if (algo === undefined) {
    throw new AlgoDeckError('invalid_request', 'No algo name: run as a task of the agent (its name), or give ALGODECK_ALGO or connect({ algo }).', { field: 'algo' });
  }
  return { url: url.replace(/\/+$/, ''), token, algo };
}

/** Connects to the agent (waiting up to `retryMs` for one that is starting) and checks the token. */
export async function connect(options: ConnectOptions = {}): Promise<Algo> {
  const { url, token, algo } = resolveSettings(options);
  const rest = new Rest({ url, token, ...(options.retryMs === undefined ? {} : { retryMs: options.retryMs }) });
  await rest.call('getSession');
  const stream = new Stream({ url, token, ...(options.reconnect ? { reconnect: options.reconnect } : {}) });
  await stream.holdTopics();
  return new Algo({ name: algo, rest, stream, state: new AlgoState(rest, algo), handleSignals: options.handleSignals ?? true });
}
