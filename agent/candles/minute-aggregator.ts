/**
 * Ticks into 1-minute candles, per instrument, on the tick path: a few comparisons and stores per
 * tick, an object only when a minute closes. Every other interval is derived from these.
 *
 * Cleaning, each counted in `counters` and never thrown:
 * - a price that is not a positive finite number is dropped;
 * - a tick older than the instrument's forming minute (it arrived after a later one) is dropped;
 * - a repeat of the previous tick (same time, price and day volume) is dropped;
 * - outside the exchange's session a tick makes no candle;
 * - volume is the rise of the cumulative day volume since the instrument's previous tick, never
 *   negative: a day volume that goes backwards (a new day, a broker's correction) starts the
 *   count again from it. The first tick of an instrument only sets the base, since its day volume
 *   holds the trades of the whole day so far. LTP packets carry no volume: their candles have 0.
 *
 * A minute is `complete` when the instrument's ticks ran without a break (no silence longer than
 * `maxGapMs`) from before it began until a tick after it ended: then it holds every trade the
 * feed reported, and the store may treat it as final. The first minute after a start or a long
 * silence is not (the trades before its first tick were not seen), nor is a minute closed by the
 * clock rather than by a later tick (the feed may have stopped inside it). After a long silence
 * the day volume is taken as a new base, like the first tick's: what traded during the silence
 * belongs to no minute the feed saw.
 */
import { barStart, type MarketSession } from '../../shared/market-session';

export interface MinuteCandle {
  token: number;
  /** Epoch ms of the minute's start. */
  start: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  /** Open interest at the minute's last tick; 0 when the packets carry none. */
  oi: number;
  ticks: number;
  /** Every trade of the minute was seen (see the file comment). */
  complete: boolean;
  /** When complete: where the unbroken run of ticks that holds it began (epoch ms of a minute start). */
  completeSince: number;
}

export interface AggregatorCounters {
  accepted: number;
  badPrice: number;
  outOfOrder: number;
  duplicate: number;
  outsideSession: number;
  volumeBackwards: number;
}

interface Series {
  /** The forming minute; `start` is -1 before the first tick in the session. */
  candle: MinuteCandle;
  lastTime: number;
  lastPrice: number;
  /** The last day volume seen, -1 before the first tick. */
  lastDayVolume: number;
  /** Where the last closed minute ended: a tick before it is too late for its candle. */
  closedUntil: number;
  /** The time of the last tick inside the session, -1 before the first. */
  lastInSession: number;
  /** The first minute whose every trade is seen: the one after a start or a long silence. */
  completeFrom: number;
}

export interface MinuteAggregatorOptions {
  /** The session an instrument trades in. */
  sessionOf: (token: number) => MarketSession;
  /** A minute closed: the candle is the caller's to keep. */
  closed: (candle: MinuteCandle) => void;
  /** A silence longer than this (ms) may have been a broken feed: the next minute is not complete (default 60 s). */
  maxGapMs?: number;
}

const MINUTE_MS = 60_000;

export class MinuteAggregator {
  readonly counters: AggregatorCounters = { accepted: 0, badPrice: 0, outOfOrder: 0, duplicate: 0, outsideSession: 0, volumeBackwards: 0 };
  private readonly series = new Map<number, Series>();
  private readonly maxGapMs: number;

  constructor(private readonly options: MinuteAggregatorOptions) {
    this.maxGapMs = options.maxGapMs ?? 60_000;
  }

  /** One tick: its last price, cumulative day volume and open interest (0 when absent), and its time in epoch ms. */
  add(token: number, price: number, dayVolume: number, oi: number, time: number): void {
    if (!(price > 0) || !Number.isFinite(price)) {
      this.counters.badPrice++;
      return;
    }
    let series = this.series.get(token);
    if (!series) {
      series = { candle: emptyCandle(token), lastTime: -1, lastPrice: 0, lastDayVolume: -1, closedUntil: -1, lastInSession: -1, completeFrom: Infinity };
      this.series.set(token, series);
    }
    const candle = series.candle;
    if (time === series.lastTime && price === series.lastPrice && dayVolume === series.lastDayVolume) {
      this.counters.duplicate++;
      return;
    }
    if (time < series.closedUntil || (candle.start >= 0 && time < candle.start)) {
      this.counters.outOfOrder++;
      return;
    }
    // After a long silence (an outage, the night) the day volume is a new base.
    const broke = series.lastTime >= 0 && time - series.lastTime > this.maxGapMs;
    if (broke) series.lastDayVolume = -1;
    const traded = this.traded(series, dayVolume);
    series.lastTime = time;
    series.lastPrice = price;
    // Most ticks fall in the forming minute, which is in the session: no session arithmetic.
    const start = candle.start >= 0 && time < candle.start + MINUTE_MS ? candle.start : barStart(time, 'minute', this.options.sessionOf(token));
    if (start === undefined) {
      this.counters.outsideSession++;
      return;
    }
    if (series.lastInSession < 0 || time - series.lastInSession > this.maxGapMs) series.completeFrom = start + MINUTE_MS;
    series.lastInSession = time;
    if (start !== candle.start) {
      if (candle.start >= 0) this.close(series, true);
      const next = series.candle;
      next.start = start;
      next.open = next.high = next.low = price;
      next.volume = 0;
      next.ticks = 0;
    }
    const forming = series.candle;
    if (price > forming.high) forming.high = price;
    if (price < forming.low) forming.low = price;
    forming.close = price;
    forming.volume += traded;
    forming.oi = oi;
    forming.ticks++;
    this.counters.accepted++;
  }

  /** Closes every forming minute that has ended by `now` (epoch ms): quiet instruments close on time too. */
  closeDue(now: number): void {
    for (const series of this.series.values()) {
      if (series.candle.start >= 0 && series.candle.start + MINUTE_MS <= now) this.close(series, false);
    }
  }

  /** The forming minute of an instrument, if it has one (a copy). */
  forming(token: number): MinuteCandle | undefined {
    const candle = this.series.get(token)?.candle;
    return candle && candle.start >= 0 ? { ...candle } : undefined;
  }

  /** Forgets an instrument (the ticker stopped carrying it), closing its forming minute. */
  forget(token: number): void {
    const series = this.series.get(token);
    if (series && series.candle.start >= 0) this.close(series, false);
    this.series.delete(token);
  }

  private traded(series: Series, dayVolume: number): number {
    const previous = series.lastDayVolume;
    series.lastDayVolume = dayVolume;
    if (previous < 0) return 0;
    if (dayVolume < previous) {
      this.counters.volumeBackwards++;
      return 0;
    }
    return dayVolume - previous;
  }

  /** Closes the forming minute; `confirmed` when a later tick (within the gap) closed it. */
  private close(series: Series, confirmed: boolean): void {
    const done = series.candle;
    done.complete = confirmed && done.start >= series.completeFrom;
    done.completeSince = series.completeFrom;
    series.closedUntil = done.start + MINUTE_MS;
    series.candle = emptyCandle(done.token);
    this.options.closed(done);
  }
}

function emptyCandle(token: number): MinuteCandle {
  return { token, start: -1, open: 0, high: 0, low: 0, close: 0, volume: 0, oi: 0, ticks: 0, complete: false, completeSince: -1 };
}
