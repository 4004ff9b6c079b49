/**
 * Kite's historical candles (`GET /instruments/historical/:token/:interval`) from the simulated
 * history, with Kite's span limits and error text. Times are Kite's: `from` and `to` are IST
 * wall-clock (`yyyy-mm-dd hh:mm:ss`), both inclusive; candle times carry `+0530`. Only listed
 * instruments have candles; a reused token has the new contract's. Like Kite's, the candles are
 * those of NSE's trading hours (weekdays 09:15–15:30 IST), though the simulated market's ticks
 * run around the clock.
 */
import { CANDLE_INTERVALS, type CandleInterval } from '../../../shared/candle';
import { MINUTE_MS, NSE_EQUITY_SESSION } from '../../../shared/market-session';
import { MinuteBlock } from '../../candles/minute-block';
import { resample } from '../../candles/resample';
import { KITE_SPAN_DAYS } from '../../candles/history-provider';
import { istDayStart, kiteTime, parseKiteTime } from '../../broker/kite/kite-time';
import type { InstrumentListing } from './instrument-listing';
import { KiteError } from './kite-http';
import type { SimHistory } from './sim-history';

const DAY_MS = 86_400_000;
/** The simulated history is generated at most this many days a request. */
const SIM_MAX_DAYS = 400;

function invalid(message: string): KiteError {
  return new KiteError(400, 'InputException', message);
}

export function historicalCandles(
  history: SimHistory,
  listing: InstrumentListing,
  token: string,
  interval: string,
  query: URLSearchParams,
): { candles: unknown[][] } {
  const slot = /^\d{1,10}$/.test(token) ? listing.slotOfListedToken(Number(token)) : undefined;
  if (slot === undefined) throw invalid('invalid token');
  const instrument = listing.instrument(slot);
  if (!(CANDLE_INTERVALS as readonly string[]).includes(interval)) throw invalid('invalid interval');
  const from = parseKiteTime(query.get('from'));
  const to = parseKiteTime(query.get('to'));
  if (from === undefined) throw invalid('invalid from date');
  if (to === undefined) throw invalid('invalid to date');
  if (to < from) throw invalid('from date is after to date');
  const limit = KITE_SPAN_DAYS[interval as CandleInterval];
  if (to - from > limit * DAY_MS) throw invalid(`interval exceeds max limit: ${limit} days`);
  if (to - from > SIM_MAX_DAYS * DAY_MS) throw invalid(`the simulated market serves at most ${SIM_MAX_DAYS} days a request`);
  // Both ends inclusive, as Kite's are; no candle from the minute in progress. Kite stamps a day
  // candle at the date's midnight (IST), so a day belongs to a range by its date.
  const daily = interval === 'day';
  const start = daily ? istDayStart(from) : from;
  const end = Math.min(daily ? istDayStart(to) + DAY_MS : to + MINUTE_MS, Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS);
  const minutes = end > start ? history.minutes(instrument, start, end) : [];
  const block = MinuteBlock.fromRows(minutes.map((m) => [m.time / MINUTE_MS, m.open, m.high, m.low, m.close, m.volume, null]));
  // As Kite's: only the exchange's trading hours (the simulated market trades around the clock).
  const bars = resample(block, interval as CandleInterval, NSE_EQUITY_SESSION);
  const withOi = query.get('oi') === '1';
  const candles = bars.rows().map(([minute, open, high, low, close, volume]) => {
    const time = minute * MINUTE_MS;
    const candle: unknown[] = [kiteTime(daily ? istDayStart(time) : time), open, high, low, close, volume];
    if (withOi) candle.push(0);
    return candle;
  });
  return { candles };
}
