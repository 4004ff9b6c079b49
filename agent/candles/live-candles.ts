/**
 * Live candles: every tick the ticker carries goes into the 1-minute aggregator on the tick
 * path; everything else happens on a timer, off it. Closed minutes wait in a queue and are
 * written to the store in batches (chunks of a bounded size, yielding to the event loop between
 * chunks, so a minute's close across thousands of instruments never stalls ticks for long).
 *
 * Followed series (an instrument and an interval, for the stream) are served from the store,
 * the one truth: a bar's closed minutes are read from it (after writing what is queued), and the
 * forming minute from the aggregator is folded on top. So the forming bar a client sees, the bar
 * it gets when the bar closes and the bar a later query returns are the same bar.
 *
 * A minute closes `graceMs` after its end (a tick of the next minute closes it at once): late
 * ticks from a slow link still count. A bar closes when its last minute has.
 */
import type { CandleInterval } from '../../shared/candle';
import type { Instrument } from '../../shared/instrument';
import { barEnd, barStart, MINUTE_MS, type MarketSession } from '../../shared/market-session';
import type { CandleStore, MinuteRange, MinuteRow } from './candle-store';
import { MinuteAggregator, type MinuteCandle } from './minute-aggregator';
import { barOf, barStarting, foldMinute, resample, type Bar } from './resample';

export interface LiveCandlesOptions {
  store: CandleStore;
  instrumentOf: (token: number) => Instrument | undefined;
  keyOf: (id: string) => number | undefined;
  /** How long after its end a minute waits for late ticks (default 2 s). */
  graceMs?: number;
  /** How often the timer runs: closes minutes and bars, writes, sends forming updates (default 250 ms). */
  periodMs?: number;
  /** Forming-bar updates per series, at most one per this many ms (default 500). */
  formingEveryMs?: number;
  /** Rows written per transaction before yielding (default 250). */
  chunkRows?: number;
  now?: () => number;
  /** A write failed (disk full…): the rows stay queued and are tried again. */
  onWriteError?: (error: unknown) => void;
}

export interface SeriesUpdate {
  bar: Bar;
  closed: boolean;
}

type Listener = (update: SeriesUpdate) => void;

interface Series {
  instrument: Instrument;
  key: number;
  interval: CandleInterval;
  session: MarketSession;
  listeners: Set<Listener>;
  /** The start of the bar last reported (closed or forming), -1 before the first. */
  barStart: number;
  /** The last forming update sent, to send only changes. */
  lastForming: string;
  lastFormingAt: number;
  /** The closed minutes of the forming bar, as read from the store, and the token's version then. */
  cached: { start: number; version: number; bar: Bar | undefined } | undefined;
}

/** Closed minutes kept while the store refuses writes: about 100 MB, two hours of 9,000 instruments. */
const MAX_QUEUED = 1_000_000;
/** How often the timer writes the ranges the feed saw whole. */
const COVERED_EVERY_MS = 5 * 60_000;

const SESSION_OF_UNKNOWN: MarketSession = { timeZone: 'UTC', utcOffsetMinutes: 0, openMinute: 0, closeMinute: 0, weekdaysOnly: false };

export class LiveCandles {
  readonly aggregator: MinuteAggregator;
  /** Minutes closed and not yet written. */
  private queue: Array<{ key: number; row: MinuteRow }> = [];
  /** Ranges the feed saw whole, by instrument key, not yet written (one run per key at a time). */
  private covered = new Map<number, MinuteRange>();
  private coveredDone: Array<{ key: number; range: MinuteRange }> = [];
  private readonly series = new Map<string, Series>();
  private readonly byToken = new Map<number, Set<Series>>();
  /** Bumped when a token's stored minutes change, so cached bars are read again. */
  private readonly versions = new Map<number, number>();
  private historyVersion = 0;
  private lastPack = 0;
  private lastCovered = 0;
  /** The minute (epoch minute of `now - grace`) up to which the clock last closed minutes. */
  private closedMinute = Number.NaN;
  private timer: NodeJS.Timeout | undefined;
  private writing = false;
  private readonly now: () => number;
  readonly graceMs: number;
  /** Minutes written to the store since the start. */
  written = 0;
  /** Closed minutes dropped because the store refused them for too long. */
  lost = 0;

  constructor(private readonly options: LiveCandlesOptions) {
    this.now = options.now ?? Date.now;
    this.graceMs = options.graceMs ?? 2000;
    this.aggregator = new MinuteAggregator({
      sessionOf: (token) => options.instrumentOf(token)?.session ?? SESSION_OF_UNKNOWN,
      closed: (candle) => this.closed(candle),
    });
  }

  /** One tick, on the tick path. `time` is the exchange's time when the packet has it, else when it was received. */
  tick(token: number, price: number, dayVolume: number, oi: number, time: number): void {
    this.aggregator.add(token, price, dayVolume, oi, time);
  }

  start(): void {
    this.timer ??= setInterval(() => this.run(), this.options.periodMs ?? 250);
    this.timer.unref();
  }

  /** Stops the timer, closing the minutes that have ended and writing everything queued. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.aggregator.closeDue(this.now());
    this.flush();
    this.writeCovered(Infinity);
  }

  /** Closes the minutes due and writes everything queued: the store is whole up to `settledUntil()`. */
  settle(): void {
    this.aggregator.closeDue(this.now() - this.graceMs);
    this.flush();
    this.writeCovered(Infinity);
  }

  /** Up to when every minute the ticker carries is closed and written, after `settle()`. */
  settledUntil(now = this.now()): number {
    return now - this.graceMs;
  }

  /** Writes every queued minute now (before a read, so the store is whole). */
  flush(): void {
    while (this.queue.length > 0) this.write(this.queue.length);
  }

  /** Writes the first `count` queued rows in one transaction. */
  private write(count: number): void {
    const rows = this.queue.splice(0, count);
    try {
      this.options.store.insertLive(rows);
      this.written += rows.length;
    } catch (error) {
      this.queue = rows.concat(this.queue);
      // While the disk refuses, memory is the limit: past it the oldest minutes go (and are counted).
      const excess = this.queue.length - MAX_QUEUED;
      if (excess > 0) {
        this.queue.splice(0, excess);
        this.lost += excess;
      }
      throw error;
    }
  }

  /**
   * Writes up to `limit` of the ranges the feed saw whole. Only a backfill reads them, and each
   * query settles first, so the timer writes them rarely (a crash loses at most a few minutes of
   * them: those are fetched again, which costs a request and loses nothing).
   */
  private writeCovered(limit: number): void {
    if (this.queue.length > 0) return; // their minutes first
    for (const [key, range] of this.covered) this.coveredDone.push({ key, range });
    this.covered.clear();
    const ranges = this.coveredDone.splice(0, limit);
    if (ranges.length === 0) return;
    try {
      this.options.store.insertLive([], ranges);
    } catch (error) {
      this.coveredDone = ranges.concat(this.coveredDone);
      throw error;
    }
  }

  /** The forming minute of an instrument, as a stored row would be. */
  formingMinute(token: number): MinuteRow | undefined {
    const candle = this.aggregator.forming(token);
    return candle ? toRow(candle) : undefined;
  }

  /**
   * When the bar shown as forming starts: the bar holding `now`, except in the grace after a bar
   * ends, when that bar (whose last minute may still take late ticks) is still the forming one.
   * The stream and the query use the same rule, so they never disagree on which bar is forming.
   */
  formingBarStart(interval: CandleInterval, session: MarketSession, now = this.now()): number | undefined {
    const settled = this.settledUntil(now);
    return barStart(settled, interval, session) ?? barStart(now, interval, session);
  }

  /** The forming bar (see `formingBarStart`): its closed minutes from the store and the forming minute on top; undefined when nothing traded in it yet. */
  formingBar(instrument: Instrument, key: number, interval: CandleInterval, now = this.now()): Bar | undefined {
    const start = this.formingBarStart(interval, instrument.session, now);
    if (start === undefined) return undefined;
    return this.withFormingMinute(instrument, interval, start, this.closedPart(instrument, key, interval, start));
  }

  /** The stored minutes of the bar starting at `start`, as one bar. */
  private closedPart(instrument: Instrument, key: number, interval: CandleInterval, start: number): Bar | undefined {
    this.flush();
    const end = barEnd(start, interval, instrument.session);
    const rows = this.options.store.read(key, start / MINUTE_MS, end / MINUTE_MS);
    return barStarting(resample(rows, interval, instrument.session), start);
  }

  private withFormingMinute(instrument: Instrument, interval: CandleInterval, start: number, closed: Bar | undefined): Bar | undefined {
    const minute = this.formingMinute(instrument.token);
    if (!minute || barStart(minute[0] * MINUTE_MS, interval, instrument.session) !== start) return closed && { ...closed };
    if (!closed) return barOf(start, minute);
    const bar = { ...closed };
    foldMinute(bar, minute);
    return bar;
  }

  /** Stored history changed under the live bars (a backfill wrote into them): read them again. */
  historyChanged(): void {
    this.historyVersion++;
  }

  /** Follows a series: `listener` gets its forming updates and each closed bar. Returns the unfollow. */
  follow(instrument: Instrument, interval: CandleInterval, listener: Listener): () => void {
    const id = `${instrument.id}\u0000${interval}`;
    let series = this.series.get(id);
    if (!series) {
      const key = this.options.keyOf(instrument.id);
      if (key === undefined) throw new Error(`instrument ${instrument.id} has no key in the store`);
      series = { instrument, key, interval, session: instrument.session, listeners: new Set(), barStart: -1, lastForming: '', lastFormingAt: 0, cached: undefined };
      this.series.set(id, series);
      let set = this.byToken.get(instrument.token);
      if (!set) this.byToken.set(instrument.token, (set = new Set()));
      set.add(series);
    }
    series.listeners.add(listener);
    const followed = series;
    return () => {
      followed.listeners.delete(listener);
      if (followed.listeners.size > 0) return;
      this.series.delete(id);
      const set = this.byToken.get(instrument.token);
      set?.delete(followed);
      if (set?.size === 0) this.byToken.delete(instrument.token);
    };
  }

  /** Sends the series' forming bar to one listener now (a new subscriber's first view). */
  snapshot(instrument: Instrument, interval: CandleInterval, listener: Listener): void {
    const key = this.options.keyOf(instrument.id);
    if (key === undefined) return;
    const bar = this.formingBar(instrument, key, interval);
    if (bar) listener({ bar, closed: false });
  }

  /** One timer step; public for tests that drive the clock. */
  run(): void {
    const now = this.now();
    const closedUntil = now - this.graceMs;
    // Minutes end on the minute: the clock closes the quiet ones once a minute, not every step
    // (a busy one is closed by its next tick).
    const minute = Math.floor(closedUntil / MINUTE_MS);
    if (minute !== this.closedMinute) {
      this.closedMinute = minute;
      this.aggregator.closeDue(closedUntil);
    }
    for (const series of this.series.values()) {
      try {
        this.step(series, now, closedUntil);
      } catch (error) {
        this.options.onWriteError?.(error);
      }
    }
    this.writeSome();
    // Days that are over are packed into their chunks a few instruments at a time.
    if (!this.writing && now - this.lastPack >= 10_000) {
      this.lastPack = now;
      try {
        this.options.store.pack(Math.floor(now / MINUTE_MS), 50);
      } catch (error) {
        this.options.onWriteError?.(error);
      }
    }
  }

  private step(series: Series, now: number, closedUntil: number): void {
    // The bar reported last has ended and all its minutes are closed: report it closed.
    if (series.barStart >= 0 && barEnd(series.barStart, series.interval, series.session) <= closedUntil) {
      const start = series.barStart;
      const bar = this.closedPart(series.instrument, series.key, series.interval, start);
      // Only once it is read (a failed write leaves it for the next step): a closed bar is never skipped.
      series.barStart = -1;
      series.lastForming = '';
      if (bar) this.emit(series, { bar, closed: true });
    }
    if (now - series.lastFormingAt < (this.options.formingEveryMs ?? 500)) return;
    const start = this.formingBarStart(series.interval, series.session, now);
    if (start === undefined) return;
    const version = (this.versions.get(series.instrument.token) ?? 0) + this.historyVersion * 1e9;
    if (series.cached?.start !== start || series.cached.version !== version) {
      series.cached = { start, version, bar: this.closedPart(series.instrument, series.key, series.interval, start) };
    }
    const bar = this.withFormingMinute(series.instrument, series.interval, start, series.cached.bar);
    if (!bar) return;
    const signature = `${bar.start}|${bar.open}|${bar.high}|${bar.low}|${bar.close}|${bar.volume}|${bar.oi}`;
    series.barStart = bar.start;
    if (signature === series.lastForming) return;
    series.lastForming = signature;
    series.lastFormingAt = now;
    this.emit(series, { bar, closed: false });
  }

  private emit(series: Series, update: SeriesUpdate): void {
    for (const listener of series.listeners) listener(update);
  }

  private closed(candle: MinuteCandle): void {
    const instrument = this.options.instrumentOf(candle.token);
    const key = instrument && this.options.keyOf(instrument.id);
    if (key === undefined) return;
    this.queue.push({ key, row: toRow(candle) });
    if (candle.complete) {
      const from = candle.completeSince / MINUTE_MS;
      const to = candle.start / MINUTE_MS + 1;
      const run = this.covered.get(key);
      if (run && run[0] !== from) this.coveredDone.push({ key, range: run });
      this.covered.set(key, [from, to]);
    }
    this.versions.set(candle.token, (this.versions.get(candle.token) ?? 0) + 1);
  }

  /** Writes queued minutes in chunks, yielding between them; covered ranges every few minutes. */
  private writeSome(): void {
    if (this.writing) return;
    const now = this.now();
    const coveredDue = now - this.lastCovered >= COVERED_EVERY_MS && (this.covered.size > 0 || this.coveredDone.length > 0);
    if (this.queue.length === 0 && !coveredDue) return;
    if (coveredDue) this.lastCovered = now;
    this.writing = true;
    const chunk = this.options.chunkRows ?? 250;
    const next = () => {
      try {
        if (this.queue.length > 0) this.write(chunk);
        else if (coveredDue) this.writeCovered(chunk);
      } catch (error) {
        this.writing = false;
        this.options.onWriteError?.(error);
        return;
      }
      if (this.queue.length > 0 || (coveredDue && this.coveredDone.length > 0)) setImmediate(next);
      else this.writing = false;
    };
    next();
  }
}

function toRow(candle: MinuteCandle): MinuteRow {
  return [candle.start / MINUTE_MS, candle.open, candle.high, candle.low, candle.close, candle.volume, candle.oi === 0 ? null : candle.oi];
}
