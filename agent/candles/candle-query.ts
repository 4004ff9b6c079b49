/**
 * One call for candles: `candles(instrument, interval, from, to)` answers from the store, after
 * fetching from the provider's history the parts of the range it lacks, and, when the range
 * reaches now, adds the forming bar from stored minutes and live ticks. The seam is exact: the
 * closed bars are the bars that ended by now, and the forming bar is the rest of the current one
 * (its stored minutes and the forming minute), so nothing is missing and nothing counted twice.
 */
import type { Candle, CandleInterval } from '../../shared/candle';
import type { CandlesResult } from '../../shared/contract/api';
import { PreparedJson } from '../../shared/contract/method';
import { ApiError } from '../../shared/errors';
import type { Instrument } from '../../shared/instrument';
import { barEnd, barsBack, barStart, MINUTE_MS } from '../../shared/market-session';
import type { InstrumentRegistry } from '../instruments/instrument-registry';
import { type Backfill, cleanRows } from './backfill';
import type { CandleStore } from './candle-store';
import { candlesJson } from './candles-json';
import { type HistoryProvider, HistoryUnavailable } from './history-provider';
import type { LiveCandles } from './live-candles';
import { MinuteBlock, STRIDE } from './minute-block';
import { barAt, resample, type Bar } from './resample';

const DAY_MS = 86_400_000;
/** Bars returned when a query gives no `from`. */
export const DEFAULT_CANDLES = 200;

export interface CandleQueryOptions {
  registry: InstrumentRegistry;
  keyOf: (id: string) => number | undefined;
  store: CandleStore;
  live: LiveCandles;
  backfill: Backfill;
  provider: HistoryProvider;
  /** The longest range one query may ask for (default 400 days). */
  maxRangeDays?: number;
  now?: () => number;
}

export interface CandleQuery {
  instrument: string;
  interval: CandleInterval;
  /** Epoch ms. */
  from?: number | undefined;
  to?: number | undefined;
  /** A future's day candles stitched across its expired contracts, straight from the provider. */
  continuous?: boolean | undefined;
}

export class CandleQueries {
  private readonly now: () => number;
  readonly maxRangeDays: number;

  constructor(private readonly options: CandleQueryOptions) {
    this.now = options.now ?? Date.now;
    this.maxRangeDays = options.maxRangeDays ?? 400;
  }

  /** The answer as objects. */
  async candles(query: CandleQuery): Promise<CandlesResult> {
    const { bars, ...rest } = await this.answer(query);
    return { ...rest, candles: toCandles(bars) };
  }

  /** The answer as JSON bytes, written straight from the packed bars (the API's path). */
  async candlesJson(query: CandleQuery): Promise<PreparedJson<CandlesResult>> {
    const { bars, ...rest } = await this.answer(query);
    return new PreparedJson(candlesJson(rest, bars));
  }

  private async answer(query: CandleQuery): Promise<Omit<CandlesResult, 'candles'> & { bars: MinuteBlock }> {
    const { registry, provider } = this.options;
    registry.requireKnown([query.instrument], 'instrument');
    const instrument = registry.get(query.instrument)!;
    const key = this.options.keyOf(instrument.id)!;
    const { interval } = query;
    const session = instrument.session;
    const now = this.now();
    if (query.continuous) return this.continuous(instrument, query, now);
    const live = query.to === undefined || query.to > now;
    const to = Math.min(query.to ?? now, now);
    const wanted = DEFAULT_CANDLES + (live ? 1 : 0);
    let from = query.from ?? barsBack(to, interval, session, wanted);
    if (query.to !== undefined && query.from === undefined && query.to <= from) from = barsBack(query.to, interval, session, wanted);
    if (to - from > this.maxRangeDays * DAY_MS) {
      throw new ApiError('range_too_long', `The range is longer than ${this.maxRangeDays} days; ask for it in parts.`, {
        field: 'from',
        details: { maxDays: this.maxRangeDays },
      });
    }
    // Bars are whole: one that starts before `from`, or ends after `to`, is taken with all its minutes.
    const start = barStart(from, interval, session) ?? from;
    const lastBar = barStart(to - 1, interval, session);
    const end = Math.min(lastBar === undefined ? to : barEnd(lastBar, interval, session), now);
    // Live minutes that are due are written first: what the feed saw whole is never fetched.
    this.options.live.settle();
    let fetched = await this.options.backfill.ensure(instrument, start, end);
    let bars = this.closedBars(key, instrument, interval, start, to, now);
    // Holidays hold no bars: without a `from`, reach further back for the ones they took.
    for (let round = 0; query.from === undefined && round < 3 && bars.length < DEFAULT_CANDLES && !fetched.error; round++) {
      const earlier = barsBack(start, interval, session, DEFAULT_CANDLES - bars.length);
      if (earlier >= start || to - earlier > this.maxRangeDays * DAY_MS) break;
      const before = await this.options.backfill.ensure(instrument, earlier, start);
      const more = this.closedBars(key, instrument, interval, earlier, start, now);
      if (more.length === 0 && before.requests === 0) break;
      bars = MinuteBlock.concat([more, bars]);
      fetched = before;
    }
    if (query.from === undefined && bars.length > DEFAULT_CANDLES) bars = new MinuteBlock(bars.data.subarray((bars.length - DEFAULT_CANDLES) * STRIDE));
    const forming = live ? (this.options.live.formingBar(instrument, key, interval, now) ?? null) : null;
    if (bars.length === 0 && !forming) {
      if (fetched.error) throw new ApiError(fetched.errorCode ?? 'provider_unavailable', `No stored candles, and the history could not be fetched: ${fetched.error}`);
      if (!provider.hasHistory(instrument)) {
        throw new ApiError('no_history', `${provider.name} has no history for ${instrument.id}.`, { field: 'instrument' });
      }
    }
    return {
      instrument: instrument.id,
      interval,
      timeZone: session.timeZone,
      bars,
      forming: forming ? toCandle(forming) : null,
      ...(fetched.error ? { warning: { code: fetched.errorCode ?? 'provider_unavailable', message: fetched.error } } : {}),
    };
  }

  /**
   * Continuous day candles of a future, from the provider alone: the series spans contracts, so
   * the store (one series per contract) neither answers nor keeps it.
   */
  private async continuous(instrument: Instrument, query: CandleQuery, now: number): Promise<Omit<CandlesResult, 'candles'> & { bars: MinuteBlock }> {
    const { provider } = this.options;
    if (query.interval !== 'day') throw new ApiError('invalid_request', 'continuous: only day candles are continuous.', { field: 'continuous' });
    if (instrument.instrumentType !== 'FUT') {
      throw new ApiError('invalid_request', `continuous: ${instrument.id} is not a future.`, { field: 'continuous' });
    }
    if (!provider.fetchContinuousDays) throw new ApiError('no_history', `${provider.name} has no continuous history.`, { field: 'continuous' });
    const session = instrument.session;
    const to = Math.min(query.to ?? now, now);
    const from = query.from ?? barsBack(to, 'day', session, DEFAULT_CANDLES);
    if (to - from > this.maxRangeDays * DAY_MS) {
      throw new ApiError('range_too_long', `The range is longer than ${this.maxRangeDays} days; ask for it in parts.`, { field: 'from', details: { maxDays: this.maxRangeDays } });
    }
    const start = barStart(from, 'day', session) ?? from;
    let rows;
    try {
      rows = await provider.fetchContinuousDays(instrument, start, to, AbortSignal.timeout(30_000));
    } catch (error) {
      throw new ApiError(error instanceof HistoryUnavailable ? error.code : 'provider_unavailable', `The continuous history could not be fetched: ${(error as Error).message}`);
    }
    // Rows that make sense, of days that have ended: today's bar is still forming, and no one contract's ticks make it.
    const closed = cleanRows(rows, [start / MINUTE_MS, Math.ceil(to / MINUTE_MS)], session).filter(([minute]) => barEnd(minute * MINUTE_MS, 'day', session) <= now);
    return { instrument: instrument.id, interval: 'day', timeZone: session.timeZone, bars: MinuteBlock.fromRows(closed), forming: null };
  }

  /**
   * Bars starting in [from, to) that are final, from the store: ended, and past the grace in
   * which their last minute may still take late ticks (until then a bar is the forming one, as
   * on the stream).
   */
  private closedBars(key: number, instrument: Instrument, interval: CandleInterval, from: number, to: number, now: number): MinuteBlock {
    const session = instrument.session;
    const settled = this.options.live.settledUntil(now);
    const last = barStart(to - 1, interval, session);
    const end = Math.min(last === undefined ? to : barEnd(last, interval, session), settled);
    this.options.live.flush();
    const rows = this.options.store.read(key, Math.floor(from / MINUTE_MS), Math.ceil(end / MINUTE_MS));
    const bars = resample(rows, interval, session, { inSession: true });
    // Ascending: keep from the first bar at `from` to the last that is final and starts before `to`.
    let stop = bars.length;
    while (stop > 0 && (bars.minute(stop - 1) * MINUTE_MS >= to || barEnd(bars.minute(stop - 1) * MINUTE_MS, interval, session) > settled)) stop--;
    const first = bars.lowerBound(from / MINUTE_MS);
    return new MinuteBlock(bars.data.subarray(first * STRIDE, Math.max(first, stop) * STRIDE));
  }
}

export function toCandles(bars: MinuteBlock): Candle[] {
  return Array.from({ length: bars.length }, (_, i) => toCandle(barAt(bars, i)));
}

export function toCandle(bar: Bar): Candle {
  const candle: Candle = {
    time: isoSecond(bar.start),
    open: bar.open,
    high: bar.high,
    low: bar.low,
    close: bar.close,
    volume: bar.volume,
  };
  if (bar.oi !== null) candle.oi = bar.oi;
  return candle;
}

/** `2026-11-25T03:45:00Z`: UTC, to the second. */
export function isoSecond(ms: number): string {
  const text = new Date(ms).toISOString();
  return `${text.slice(0, 19)}Z`;
}
