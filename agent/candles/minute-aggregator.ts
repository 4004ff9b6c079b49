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
import { barStart, MINUTE_MS, type MarketSession } from '../../shared/market-session';

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
  /** When complete: where the unbroken run of ticks that holds it began (epoch ms of a minute start); else -1. */
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

/**
 * Each instrument's state is one row of numbers in a Float64Array: a tick touches one or two
 * cache lines, with no object to chase (on the hub's path, with thousands of instruments, memory
 * rather than arithmetic sets the cost).
 */
const START = 0; // the forming minute's start, -1 before the first tick in the session
const OPEN = 1;
const HIGH = 2;
const LOW = 3;
const CLOSE = 4;
const VOLUME = 5;
const OI = 6;
const TICKS = 7;
const LAST_TIME = 8; // -1 before the first tick
const LAST_PRICE = 9;
const LAST_DAY_VOLUME = 10; // -1 before the first tick, and after a long silence
const CLOSED_UNTIL = 11; // where the last closed minute ended: a tick before it is too late
const LAST_IN_SESSION = 12; // the time of the last tick inside the session, -1 before the first
const COMPLETE_FROM = 13; // the first minute whose every trade is seen
const FIELDS = 14;

export interface MinuteAggregatorOptions {
  /** The session an instrument trades in. */
  sessionOf: (token: number) => MarketSession;
  /** A minute closed: the candle is the caller's to keep. */
  closed: (candle: MinuteCandle) => void;
  /** A silence longer than this (ms) may have been a broken feed: the next minute is not complete (default 60 s). */
  maxGapMs?: number;
}


export class MinuteAggregator {
  readonly counters: AggregatorCounters = { accepted: 0, badPrice: 0, outOfOrder: 0, duplicate: 0, outsideSession: 0, volumeBackwards: 0 };
  /** Each instrument's row in `state`. */
  private readonly rows = new Map<number, number>();
  private readonly tokens: number[] = [];
  private state = new Float64Array(FIELDS * 256);
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
    let row = this.rows.get(token);
    if (row === undefined) row = this.newRow(token);
    const st = this.state;
    const b = row * FIELDS;
    if (time === st[b + LAST_TIME] && price === st[b + LAST_PRICE] && dayVolume === st[b + LAST_DAY_VOLUME]) {
      this.counters.duplicate++;
      return;
    }
    const candleStart = st[b + START]!;
    if (time < st[b + CLOSED_UNTIL]! || (candleStart >= 0 && time < candleStart)) {
      this.counters.outOfOrder++;
      return;
    }
    // After a long silence (an outage, the night) the day volume is a new base.
    const lastTime = st[b + LAST_TIME]!;
    if (lastTime >= 0 && time - lastTime > this.maxGapMs) st[b + LAST_DAY_VOLUME] = -1;
    const traded = this.traded(b, dayVolume);
    st[b + LAST_TIME] = time;
    st[b + LAST_PRICE] = price;
    // Most ticks fall in the forming minute, which is in the session: no session arithmetic.
    const start = candleStart >= 0 && time < candleStart + MINUTE_MS ? candleStart : barStart(time, 'minute', this.options.sessionOf(token));
    if (start === undefined) {
      this.counters.outsideSession++;
      return;
    }
    const lastInSession = st[b + LAST_IN_SESSION]!;
    if (lastInSession < 0 || time - lastInSession > this.maxGapMs) st[b + COMPLETE_FROM] = start + MINUTE_MS;
    st[b + LAST_IN_SESSION] = time;
    if (start !== candleStart) {
      if (candleStart >= 0) this.close(row, true);
      st[b + START] = start;
      st[b + OPEN] = st[b + HIGH] = st[b + LOW] = price;
      st[b + VOLUME] = 0;
      st[b + TICKS] = 0;
    }
    if (price > st[b + HIGH]!) st[b + HIGH] = price;
    if (price < st[b + LOW]!) st[b + LOW] = price;
    st[b + CLOSE] = price;
    st[b + VOLUME] = st[b + VOLUME]! + traded;
    st[b + OI] = oi;
    st[b + TICKS] = st[b + TICKS]! + 1;
    this.counters.accepted++;
  }

  /** Closes every forming minute that has ended by `now` (epoch ms): quiet instruments close on time too. */
  closeDue(now: number): void {
    const st = this.state;
    for (let row = 0; row < this.tokens.length; row++) {
      const start = st[row * FIELDS + START]!;
      if (start >= 0 && start + MINUTE_MS <= now) this.close(row, false);
    }
  }

  /** The forming minute of an instrument, if it has one (a copy). */
  forming(token: number): MinuteCandle | undefined {
    const row = this.rows.get(token);
    if (row === undefined || this.state[row * FIELDS + START]! < 0) return undefined;
    return this.candleOf(row, false);
  }

  /** Forgets an instrument (the ticker stopped carrying it), closing its forming minute; its row starts afresh. */
  forget(token: number): void {
    const row = this.rows.get(token);
    if (row === undefined) return;
    if (this.state[row * FIELDS + START]! >= 0) this.close(row, false);
    this.reset(row);
  }

  private newRow(token: number): number {
    const row = this.tokens.length;
    this.tokens.push(token);
    this.rows.set(token, row);
    if ((row + 1) * FIELDS > this.state.length) {
      const grown = new Float64Array(this.state.length * 2);
      grown.set(this.state);
      this.state = grown;
    }
    this.reset(row);
    return row;
  }

  private reset(row: number): void {
    const b = row * FIELDS;
    this.state.fill(0, b, b + FIELDS);
    this.state[b + START] = -1;
    this.state[b + LAST_TIME] = -1;
    this.state[b + LAST_DAY_VOLUME] = -1;
    this.state[b + CLOSED_UNTIL] = -1;
    this.state[b + LAST_IN_SESSION] = -1;
    this.state[b + COMPLETE_FROM] = Infinity;
  }

  private traded(b: number, dayVolume: number): number {
    const previous = this.state[b + LAST_DAY_VOLUME]!;
    this.state[b + LAST_DAY_VOLUME] = dayVolume;
    if (previous < 0) return 0;
    if (dayVolume < previous) {
      this.counters.volumeBackwards++;
      return 0;
    }
    return dayVolume - previous;
  }

  private candleOf(row: number, confirmed: boolean): MinuteCandle {
    const st = this.state;
    const b = row * FIELDS;
    const start = st[b + START]!;
    const completeFrom = st[b + COMPLETE_FROM]!;
    const complete = confirmed && start >= completeFrom;
    return {
      token: this.tokens[row]!,
      start,
      open: st[b + OPEN]!,
      high: st[b + HIGH]!,
      low: st[b + LOW]!,
      close: st[b + CLOSE]!,
      volume: st[b + VOLUME]!,
      oi: st[b + OI]!,
      ticks: st[b + TICKS]!,
      complete,
      completeSince: complete ? completeFrom : -1,
    };
  }

  /** Closes the forming minute; `confirmed` when a later tick (within the gap) closed it. */
  private close(row: number, confirmed: boolean): void {
    const done = this.candleOf(row, confirmed);
    const b = row * FIELDS;
    this.state[b + CLOSED_UNTIL] = done.start + MINUTE_MS;
    this.state[b + START] = -1;
    this.options.closed(done);
  }
}
