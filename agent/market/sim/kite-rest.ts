/**
 * The simulated market's Kite REST API, served beside its websocket on the same port, so the
 * official `KiteConnect` client and our Kite adapter can be run against it. Today: historical
 * candles (`GET /instruments/historical/:token/:interval`) from the simulated history, with
 * Kite's headers, envelope, span limits and error text. Times are Kite's: `from` and `to` are
 * IST wall-clock (`yyyy-mm-dd hh:mm:ss`), both inclusive; candle times carry `+0530`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CANDLE_INTERVALS, type CandleInterval } from '../../../shared/candle';
import { MINUTE_MS } from '../../../shared/market-session';
import { MinuteBlock } from '../../candles/minute-block';
import { resample } from '../../candles/resample';
import { KITE_SPAN_DAYS } from '../../candles/history-provider';
import { kiteTime, parseKiteTime } from '../../broker/kite/kite-time';
import { SimHistory } from './sim-history';
import type { SimInstrument } from './universe';

export interface KiteRestOptions {
  apiKey: string;
  accessToken: string;
  universe: readonly SimInstrument[];
  seed: number;
}

const DAY_MS = 86_400_000;
/** The simulated history is generated at most this many days a request. */
const SIM_MAX_DAYS = 400;

class KiteError extends Error {
  constructor(readonly status: number, readonly errorType: string, message: string) {
    super(message);
  }
}

export function kiteRestHandler(options: KiteRestOptions): (request: IncomingMessage, response: ServerResponse) => void {
  const history = new SimHistory(options.seed);
  const byToken = new Map(options.universe.map((i) => [i.token, i]));
  const authorization = `token ${options.apiKey}:${options.accessToken}`;

  function historical(token: string, interval: string, query: URLSearchParams): unknown {
    const instrument = byToken.get(Number(token));
    if (!/^\d+$/.test(token) || !instrument) throw new KiteError(400, 'InputException', 'invalid token');
    if (!(CANDLE_INTERVALS as readonly string[]).includes(interval)) throw new KiteError(400, 'InputException', 'invalid interval');
    const from = parseKiteTime(query.get('from'));
    const to = parseKiteTime(query.get('to'));
    if (from === undefined) throw new KiteError(400, 'InputException', 'invalid from date');
    if (to === undefined) throw new KiteError(400, 'InputException', 'invalid to date');
    if (to < from) throw new KiteError(400, 'InputException', 'from date is after to date');
    const limit = KITE_SPAN_DAYS[interval as CandleInterval];
    if (to - from > limit * DAY_MS) throw new KiteError(400, 'InputException', `interval exceeds max limit: ${limit} days`);
    if (to - from > SIM_MAX_DAYS * DAY_MS) throw new KiteError(400, 'InputException', `the simulated market serves at most ${SIM_MAX_DAYS} days a request`);
    // Both ends inclusive, as Kite's are; no candle from the minute in progress.
    const end = Math.min(to + MINUTE_MS, Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS);
    const minutes = end > from ? history.minutes(instrument, from, end) : [];
    const block = MinuteBlock.fromRows(minutes.map((m) => [m.time / MINUTE_MS, m.open, m.high, m.low, m.close, m.volume, null]));
    const bars = resample(block, interval as CandleInterval, instrument.session);
    const withOi = query.get('oi') === '1';
    const candles = bars.rows().map(([minute, open, high, low, close, volume]) => {
      const candle: unknown[] = [kiteTime(minute * MINUTE_MS), open, high, low, close, volume];
      if (withOi) candle.push(0);
      return candle;
    });
    return { candles };
  }

  return (request, response) => {
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    try {
      const url = new URL(request.url ?? '/', 'http://kite.local');
      if (request.headers.authorization !== authorization) {
        throw new KiteError(403, 'TokenException', 'Incorrect `api_key` or `access_token`.');
      }
      const route = /^\/instruments\/historical\/([^/]+)\/([^/]+)$/.exec(url.pathname);
      if (request.method === 'GET' && route) return send(200, { status: 'success', data: historical(route[1]!, route[2]!, url.searchParams) });
      throw new KiteError(404, 'GeneralException', 'Route not found');
    } catch (error) {
      if (error instanceof KiteError) return send(error.status, { status: 'error', message: error.message, data: null, error_type: error.errorType });
      return send(500, { status: 'error', message: 'internal error', data: null, error_type: 'GeneralException' });
    }
  };
}
