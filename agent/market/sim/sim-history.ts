/**
 * The simulated market's past: 1-minute candles for any instrument over any stretch of time, the
 * same on every machine for the same seed, and the state a live PriceProcess resumes from, so
 * charts and live prices join up.
 *
 * Daily closes: the log close follows a mean-reverting walk (Ornstein–Uhlenbeck, pulled back a
 * few percent a day) around log basePrice with a day's σ of annualVolatility / √252. It is pinned
 * to basePrice on the anchor day (the trading day of 2025-01-01) and walked forward after it and
 * backward before it, so prices wander like a stock's yet stay in a band around basePrice for
 * years. Within a day (09:15 IST to 09:15 IST: the sim never closes) the price gaps from the
 * previous close, as the live process's opening gap does, then a Brownian bridge carries it to the
 * day's close over 1440 minutes, each minute's variance (the live process's) weighted by the
 * session's volume profile. The bridge is drawn forwards, one conditional step a minute, so the
 * minutes up to some time cost only those minutes.
 *
 * Every random number is a hash of (seed, token, day) or (seed, token, day, minute), never a draw
 * from a sequential generator (hashed-noise.ts): any day costs a cheap step per day from the
 * anchor plus its own minutes, whatever was asked before.
 */
import { DEPTH_LEVELS } from '../../../shared/kite-packet';
import { isTradableToken } from '../../../shared/instrument';
import { MINUTE_MS } from '../../../shared/market-session';
import { LOGNORMAL, NORMAL, NORMAL_SHIFT, mix32 } from './hashed-noise';
import {
  instrumentSeed,
  sessionPosition,
  tickPricer,
  tradingDay,
  tradingDayStart,
  volumeProfile,
  type SimStartState,
} from './price-process';
import type { SimInstrument } from './universe';

export type { SimStartState } from './price-process';

export interface SimMinute {
  /** Epoch ms of the minute's start. */
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

const DAY_MS = 86_400_000;
const DAY_MINUTES = 1440;
const TRADING_DAYS_PER_YEAR = 252;
const SESSION_MINUTES = 375;
/** The share of the gap between log price and log basePrice closed each day: a half-life of ~35 days. */
const REVERSION = 0.02;
/** An opening gap of about a third of a day's move, as in PriceProcess. */
const GAP_SHARE = 0.3;
/** The trading day whose close is basePrice (the one holding 2025-01-01, noon IST). */
export const ANCHOR_DAY = tradingDay(Date.UTC(2025, 0, 1, 6, 30));
/** The longest range `minutes()` serves in one call. */
export const MAX_RANGE_DAYS = 400;
/** About a century either side of the anchor: the walk costs a step per day, so it has an end. */
const MAX_DAYS_FROM_ANCHOR = 36_525;

const GAP_SALT = 0x67617021;
const HISTORY_SALT = 0x68697374;

/** A day's key: every draw of that day, for that instrument and seed, is hashed from it. */
function dayKey(instrumentKey: number, day: number): number {
  return mix32((instrumentKey + Math.imul(day, 0x9e3779b9)) | 0);
}

/** Two distinct hash inputs per minute of the day (bridge step; volume and excursions). */
const MINUTE_KEYS = Uint32Array.from({ length: 2 * DAY_MINUTES }, (_, i) => mix32(i + 1));

/**
 * Per minute of the trading day (the same every day: a day starts at 09:15 IST), the activity
 * weight and the forward Brownian bridge's coefficients. With R_i the weight still to come after
 * minute i, the step to minute i pulls the price a share w_i / R_(i−1) of the way to the day's
 * close and adds noise of variance σ² w_i R_i / R_(i−1); at the last minute R is 0 and the bridge
 * lands on the close.
 */
const WEIGHT = new Float64Array(DAY_MINUTES);
const SQRT_WEIGHT = new Float64Array(DAY_MINUTES);
const PULL = new Float64Array(DAY_MINUTES);
const SPREAD = new Float64Array(DAY_MINUTES);
{
  const start = tradingDayStart(ANCHOR_DAY);
  for (let i = 0; i < DAY_MINUTES; i++) {
    WEIGHT[i] = volumeProfile(sessionPosition(start + i * MINUTE_MS));
    SQRT_WEIGHT[i] = Math.sqrt(WEIGHT[i]!);
  }
  let after = 0; // R_i, summed from the end so the last is exactly 0
  for (let i = DAY_MINUTES - 1; i >= 0; i--) {
    const before = after + WEIGHT[i]!;
    PULL[i] = WEIGHT[i]! / before;
    SPREAD[i] = Math.sqrt((WEIGHT[i]! * after) / before);
    after = before;
  }
}

/** What one instrument's generation needs, worked out once per call. */
interface Params {
  key: number;
  tickSize: number;
  priceOf: (steps: number) => number;
  minSteps: number;
  tradable: boolean;
  logBase: number;
  /** σ of a day's log close-to-close move. */
  dailySigma: number;
  /** σ of a minute's log move at activity weight 1 (the live process's). */
  minuteSigma: number;
  volumePerMinute: number;
}

function params(seed: number, instrument: SimInstrument): Params {
  const tradable = isTradableToken(instrument.token);
  return {
    key: mix32(instrumentSeed(seed, instrument.token) ^ HISTORY_SALT),
    tickSize: instrument.tickSize,
    priceOf: tickPricer(instrument.tickSize),
    // As in PriceProcess: a tradable price keeps its whole bid ladder above zero.
    minSteps: tradable ? DEPTH_LEVELS + 1 : 1,
    tradable,
    logBase: Math.log(Math.max(instrument.basePrice, instrument.tickSize)),
    dailySigma: instrument.annualVolatility / Math.sqrt(TRADING_DAYS_PER_YEAR),
    minuteSigma: instrument.annualVolatility / Math.sqrt(TRADING_DAYS_PER_YEAR * SESSION_MINUTES),
    volumePerMinute: instrument.dailyVolume / SESSION_MINUTES,
  };
}

function toSteps(p: Params, logPrice: number): number {
  return Math.max(p.minSteps, Math.round(Math.exp(logPrice) / p.tickSize));
}

function checkDays(low: number, high: number): void {
  if (low < ANCHOR_DAY - MAX_DAYS_FROM_ANCHOR || high > ANCHOR_DAY + MAX_DAYS_FROM_ANCHOR) {
    throw new RangeError('the simulated history covers about a century either side of 2025-01-01');
  }
}

export class SimHistory {
  private readonly seed: number;
  /** Log closes of consecutive days, filled by `walk`. */
  private readonly closes = new Float64Array(MAX_RANGE_DAYS + 3);
  /** One day's minutes in ticks, filled by `fillDay`. */
  private readonly open = new Float64Array(DAY_MINUTES);
  private readonly high = new Float64Array(DAY_MINUTES);
  private readonly low = new Float64Array(DAY_MINUTES);
  private readonly close = new Float64Array(DAY_MINUTES);
  private readonly volume = new Float64Array(DAY_MINUTES);
  /** The same minutes summed up by `fillDay`: high and low in ticks, and Σ volume × (h + l + c) in ticks. */
  private dayHigh = 0;
  private dayLow = 0;
  private dayVolume = 0;
  private dayTurnover = 0;

  constructor(seed: number) {
    this.seed = seed >>> 0;
  }

  /** Minute candles whose start is in [fromMs, toMs), ascending: every minute (the sim never closes). */
  minutes(instrument: SimInstrument, fromMs: number, toMs: number): SimMinute[] {
    if (!Number.isFinite(fromMs) || !Number.isFinite(toMs)) throw new RangeError(`bad range ${fromMs}..${toMs}`);
    if (toMs - fromMs > MAX_RANGE_DAYS * DAY_MS) {
      throw new RangeError(`at most ${MAX_RANGE_DAYS} days of minutes in one call, asked for ${Math.ceil((toMs - fromMs) / DAY_MS)}`);
    }
    const first = Math.ceil(fromMs / MINUTE_MS) * MINUTE_MS;
    const last = (Math.ceil(toMs / MINUTE_MS) - 1) * MINUTE_MS;
    if (first > last) return [];
    const p = params(this.seed, instrument);
    const firstDay = tradingDay(first);
    const lastDay = tradingDay(last);
    this.walk(p, firstDay - 1, lastDay);
    const out: SimMinute[] = [];
    for (let day = firstDay; day <= lastDay; day++) {
      const start = tradingDayStart(day);
      const from = Math.max(0, (first - start) / MINUTE_MS);
      const to = Math.min(DAY_MINUTES, (last - start) / MINUTE_MS + 1);
      const closes = this.closes;
      this.fillDay(p, day, closes[day - firstDay]!, closes[day - firstDay + 1]!, to);
      const priceOf = p.priceOf;
      for (let i = from; i < to; i++) {
        out.push({
          time: start + i * MINUTE_MS,
          open: priceOf(this.open[i]!),
          high: priceOf(this.high[i]!),
          low: priceOf(this.low[i]!),
          close: priceOf(this.close[i]!),
          volume: this.volume[i]!,
        });
      }
    }
    return out;
  }

  /**
   * The state the live process starts from at `startMs` (minute-aligned): the close of the minute
   * before it, that minute's day so far (open, high, low, volume, turnover) and the previous day's
   * close. At 09:15 IST the minute before is the last of the previous day, which is then complete:
   * the live process's first step opens the new day as it always does.
   */
  startState(instrument: SimInstrument, startMs: number): SimStartState {
    if (!Number.isSafeInteger(startMs) || startMs % MINUTE_MS !== 0) {
      throw new RangeError(`startMs must be the epoch ms of a minute's start, got ${startMs}`);
    }
    const p = params(this.seed, instrument);
    const lastMinute = startMs - MINUTE_MS;
    const day = tradingDay(lastMinute);
    const count = (lastMinute - tradingDayStart(day)) / MINUTE_MS + 1;
    this.walk(p, day - 1, day);
    const dayOpen = this.fillDay(p, day, this.closes[0]!, this.closes[1]!, count);
    return {
      time: startMs,
      day,
      lastPrice: p.priceOf(this.close[count - 1]!),
      open: p.priceOf(dayOpen),
      high: p.priceOf(this.dayHigh),
      low: p.priceOf(this.dayLow),
      volume: this.dayVolume,
      // Each minute's volume at its typical price, (h + l + c) / 3.
      turnover: (this.dayTurnover * p.tickSize) / 3,
      previousClose: p.priceOf(toSteps(p, this.closes[0]!)),
    };
  }

  /** The close of trading day `day`: the last minute's close that day. */
  dayClose(instrument: SimInstrument, day: number): number {
    const p = params(this.seed, instrument);
    this.walk(p, day, day);
    return p.priceOf(toSteps(p, this.closes[0]!));
  }

  /**
   * Fills `closes` with the log closes of days `low`..`high`: walked from the anchor day (log
   * basePrice) forwards for later days and backwards for earlier ones, each day's step drawn from
   * that day's hash. Either way the log price is pulled back to log basePrice a share REVERSION a day.
   */
  private walk(p: Params, low: number, high: number): void {
    checkDays(low, high);
    const keep = 1 - REVERSION;
    const closes = this.closes;
    let deviation = 0;
    if (low <= ANCHOR_DAY && ANCHOR_DAY <= high) closes[ANCHOR_DAY - low] = p.logBase;
    for (let day = ANCHOR_DAY + 1; day <= high; day++) {
      deviation = keep * deviation + p.dailySigma * NORMAL[dayKey(p.key, day) >>> NORMAL_SHIFT]!;
      if (day >= low) closes[day - low] = p.logBase + deviation;
    }
    deviation = 0;
    for (let day = ANCHOR_DAY - 1; day >= low; day--) {
      deviation = keep * deviation + p.dailySigma * NORMAL[dayKey(p.key, day) >>> NORMAL_SHIFT]!;
      if (day <= high) closes[day - low] = p.logBase + deviation;
    }
  }

  /**
   * Fills the first `count` minutes of `day` (in ticks) from the previous day's log close to this
   * day's; returns the day's open in ticks. Each minute opens at the last one's close (the first at
   * the day's open) and reaches a little beyond its open and close, up to about a minute's σ.
   *
   * Within the day the bridge runs in ticks, not log price, its σ scaled by the day's open: a day
   * moves a few percent, so the noise is off scale by at most that much, and a minute costs no exp.
   * Hot for start states, so it reads nothing from `p` inside the loop, and rounds with
   * floor(x + 0.5): V8's Math.round branches on the fraction, which random prices mispredict.
   */
  private fillDay(p: Params, day: number, previousLog: number, closeLog: number, count: number): number {
    const key = dayKey(p.key, day);
    const minSteps = p.minSteps;
    const tradable = p.tradable;
    const volumePerMinute = p.volumePerMinute;
    const dayOpen = toSteps(p, previousLog + GAP_SHARE * p.dailySigma * NORMAL[mix32(key ^ GAP_SALT) >>> NORMAL_SHIFT]!);
    const target = toSteps(p, closeLog);
    const tickSigma = dayOpen * p.minuteSigma; // a minute's σ in ticks at weight 1
    const { open, high, low, close, volume } = this;
    let level = dayOpen; // the bridge, in fractional ticks
    let previous = dayOpen;
    let dayHigh = dayOpen;
    let dayLow = dayOpen;
    let dayVolume = 0;
    let dayTurnover = 0;
    for (let i = 0; i < count; i++) {
      const bridge = mix32(key ^ MINUTE_KEYS[2 * i]!);
      const extra = mix32(key ^ MINUTE_KEYS[2 * i + 1]!);
      level += PULL[i]! * (target - level) + tickSigma * SPREAD[i]! * NORMAL[bridge >>> NORMAL_SHIFT]!;
      // The bridge's last step lands on the target; rounding makes sure of it.
      const now = Math.max(minSteps, Math.floor(level + 0.5));
      // max and min of two whole numbers without a branch to mispredict (|x| is a bit mask).
      const gap = Math.abs(previous - now);
      const top = 0.5 * (previous + now + gap);
      const bottom = top - gap;
      const reach = tickSigma * SQRT_WEIGHT[i]!;
      const up = ((extra >>> 9) & 511) * (1 / 512);
      const down = (extra & 511) * (1 / 512);
      const minuteHigh = top + Math.floor(reach * up * up + 0.5);
      const minuteLow = Math.max(minSteps, bottom - Math.floor(reach * down * down + 0.5));
      const minuteVolume = tradable ? Math.max(1, Math.floor(volumePerMinute * WEIGHT[i]! * LOGNORMAL[extra >>> NORMAL_SHIFT]! + 0.5)) : 0;
      open[i] = previous;
      close[i] = now;
      high[i] = minuteHigh;
      low[i] = minuteLow;
      volume[i] = minuteVolume;
      if (minuteHigh > dayHigh) dayHigh = minuteHigh;
      if (minuteLow < dayLow) dayLow = minuteLow;
      dayVolume += minuteVolume;
      dayTurnover += minuteVolume * (minuteHigh + minuteLow + now);
      previous = now;
    }
    this.dayHigh = dayHigh;
    this.dayLow = dayLow;
    this.dayVolume = dayVolume;
    this.dayTurnover = dayTurnover;
    return dayOpen;
  }
}
