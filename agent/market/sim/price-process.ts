/**
 * One instrument's simulated market: a geometric Brownian motion stepped by real elapsed time,
 * trades sized by an intraday volume profile, and a 5-level book around the last trade.
 * It is on the tick hot path, so a step allocates nothing and fills a caller-owned PacketFields.
 *
 * Session clock: NSE trades 09:15–15:30 IST (375 minutes), but the sim runs at any hour. The
 * position in the session is (minutes since 09:15 IST) mod 375: during real market hours it is
 * the real position, and outside them the session repeats every 6 h 15 min (re-anchored at each
 * IST midnight), so the U-shaped activity (busy open and close, quiet middle) shows at any hour. The trading day (open, high,
 * low, volume) rolls over at 09:15 IST; the previous close is the base price on the first day,
 * then the last price of the day before.
 *
 * Given a start state (from SimHistory), a process resumes the history instead: its first price
 * moves on from the history's last close, and if it is still the history's trading day, that day's
 * open, high, low, volume and previous close carry on with no second opening gap.
 */
import { DEPTH_LEVELS, type PacketFields } from '../../../shared/kite-packet';
import { isTradableToken, roundToTick } from '../../../shared/instrument';
import type { SimInstrument } from './universe';

const IST_OFFSET_MS = 330 * 60_000;
const SESSION_OPEN_MINUTE = 9 * 60 + 15;
const SESSION_MINUTES = 375;
const SESSION_SECONDS = SESSION_MINUTES * 60;
const DAY_MS = 86_400_000;
const TRADING_DAYS_PER_YEAR = 252;
const MAX_ORDERS = 0x7fff; // int16 field in the packet

/** mulberry32: tiny state, fast, well mixed; plenty for market noise (never for secrets). */
export class SeededRandom {
  private state: number;
  private spare = 0;
  private hasSpare = false;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal deviate (Marsaglia's polar method; the second deviate is kept for next time). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const scale = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * scale;
    this.hasSpare = true;
    return u * scale;
  }
}

/** Combines the market seed with a token so each instrument has its own reproducible stream. */
export function instrumentSeed(seed: number, token: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(token | 0, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Position in the simulated session, 0 (09:15) to just under 1 (15:30); see the file comment. */
export function sessionPosition(epochMs: number): number {
  const minutes = (((epochMs + IST_OFFSET_MS) % DAY_MS) + DAY_MS) % DAY_MS / 60_000 - SESSION_OPEN_MINUTE;
  const inSession = ((minutes % SESSION_MINUTES) + SESSION_MINUTES) % SESSION_MINUTES;
  return inSession / SESSION_MINUTES;
}

/** Relative activity over the session: U-shaped, 2.2× at the open and close, 0.4× midday, mean 1. */
export function volumeProfile(position: number): number {
  const d = 2 * position - 1;
  return 0.4 + 1.8 * d * d;
}

/** The simulated trading day number; it changes at 09:15 IST. */
export function tradingDay(epochMs: number): number {
  return Math.floor((epochMs + IST_OFFSET_MS - SESSION_OPEN_MINUTE * 60_000) / DAY_MS);
}

/** When trading day `day` begins (epoch ms of its 09:15 IST); it lasts a whole day, 1440 minutes. */
export function tradingDayStart(day: number): number {
  return day * DAY_MS - IST_OFFSET_MS + SESSION_OPEN_MINUTE * 60_000;
}

/** The market as it stood at the start of minute `time`: where a PriceProcess resumes a history. */
export interface SimStartState {
  /** Epoch ms, minute-aligned: the live process's market time begins here. */
  time: number;
  /** The trading day of the minute before `time`, which open, high, low and volume describe. */
  day: number;
  /** The close of the minute before `time`. */
  lastPrice: number;
  open: number;
  high: number;
  low: number;
  volume: number;
  /** Σ volume × price over the day so far, so the day's average price carries on too. */
  turnover: number;
  /** The close of the day before `day`. */
  previousClose: number;
}

/** A PacketFields with its 10 depth levels allocated once, for `PriceProcess.step` to fill. */
export function createPacketFields(): PacketFields {
  const depth = [];
  for (let i = 0; i < 2 * DEPTH_LEVELS; i++) depth.push({ price: 0, quantity: 0, orders: 0 });
  return {
    token: 0, lastPrice: 0, lastQuantity: 0, averagePrice: 0, volume: 0, totalBuyQuantity: 0,
    totalSellQuantity: 0, open: 0, high: 0, low: 0, close: 0, lastTradeTime: 0, oi: 0,
    oiDayHigh: 0, oiDayLow: 0, exchangeTimestamp: 0, depth,
  };
}

/**
 * Converts a whole number of ticks to a price equal to `roundToTick` without its string
 * round-trip: k / 20 is already the double nearest to k × 0.05.
 */
export function tickPricer(tickSize: number): (steps: number) => number {
  if (!(tickSize > 0)) throw new RangeError(`tick size must be positive, got ${tickSize}`);
  const perUnit = Math.round(1 / tickSize);
  if (perUnit >= 1 && Math.abs(perUnit * tickSize - 1) < 1e-12) return (steps) => steps / perUnit;
  if (Number.isInteger(tickSize)) return (steps) => steps * tickSize;
  return (steps) => roundToTick(steps * tickSize, tickSize);
}

export class PriceProcess {
  readonly token: number;
  private readonly tickSize: number;
  private readonly priceOf: (steps: number) => number;
  private readonly tradable: boolean;
  /** σ per √second of session time. */
  private readonly sigma: number;
  private readonly volumePerSecond: number;
  private readonly dailyVolume: number;
  private readonly typicalTrade: number;
  private readonly typicalLevel: number;
  private readonly baseSpreadTicks: number;
  private readonly rng: SeededRandom;

  private started = false;
  /** A trading day is under way: since the first step, or from a start state. */
  private inDay = false;
  private day = 0;
  private lastMs = 0;
  private lastTradeMs = 0;
  private logPrice: number;
  private lastSteps = 0;
  private bidSteps = 0;
  private askSteps = 0;
  private imbalance = 0;
  private open = 0;
  private high = 0;
  private low = 0;
  private close: number;
  private volume = 0;
  private turnover = 0;
  private lastQuantity = 0;
  private totalBuy = 0;
  private totalSell = 0;
  private lastSecond = 0;
  private readonly depthQuantity = new Int32Array(2 * DEPTH_LEVELS);
  private readonly depthOrders = new Int32Array(2 * DEPTH_LEVELS);

  constructor(instrument: SimInstrument, seed: number, start?: SimStartState) {
    this.token = instrument.token;
    this.tickSize = instrument.tickSize;
    this.priceOf = tickPricer(instrument.tickSize);
    this.tradable = isTradableToken(instrument.token);
    this.close = instrument.basePrice;
    this.logPrice = Math.log(Math.max(instrument.basePrice, instrument.tickSize));
    this.sigma = instrument.annualVolatility / Math.sqrt(TRADING_DAYS_PER_YEAR * SESSION_SECONDS);
    this.volumePerSecond = instrument.dailyVolume / SESSION_SECONDS;
    this.dailyVolume = instrument.dailyVolume;
    this.typicalTrade = Math.max(1, Math.round(instrument.dailyVolume / 50_000));
    this.typicalLevel = this.typicalTrade * 4;
    // About half a basis point of the price, at least one tick: wide books for costly stocks.
    this.baseSpreadTicks = Math.max(1, Math.round((instrument.basePrice * 0.00005) / instrument.tickSize));
    this.rng = new SeededRandom(instrumentSeed(seed, instrument.token));
    if (start) this.resume(start);
  }

  get lastPrice(): number {
    return this.priceOf(this.lastSteps);
  }

  get hasStepped(): boolean {
    return this.started;
  }

  /** Advances the market to `timeMs` (epoch ms) with one trade, then fills `out`. */
  step(stepMs: number, out: PacketFields): void {
    const rng = this.rng;
    // Market time never runs backwards, even if the wall clock does.
    const timeMs = this.inDay ? Math.max(stepMs, this.lastMs) : stepMs;
    const day = tradingDay(timeMs);
    const previousSteps = this.lastSteps;
    this.started = true;
    if (!this.inDay || day !== this.day) {
      this.openDay(day);
    } else {
      const dt = Math.max(0, timeMs - this.lastMs) / 1000;
      const variance = this.sigma * this.sigma * dt * volumeProfile(sessionPosition(timeMs));
      this.logPrice += Math.sqrt(variance) * rng.normal() - 0.5 * variance;
      this.imbalance = Math.max(-0.9, Math.min(0.9, 0.98 * this.imbalance + 0.05 * rng.normal()));
    }
    this.lastMs = timeMs;
    const minSteps = this.tradable ? DEPTH_LEVELS + 1 : 1; // keeps every bid level above zero
    let steps = Math.round(Math.exp(this.logPrice) / this.tickSize);
    if (steps < minSteps) {
      steps = minSteps;
      this.logPrice = Math.log(steps * this.tickSize);
    }
    this.lastSteps = steps;
    const price = this.priceOf(steps);
    if (price > this.high) this.high = price;
    if (price < this.low) this.low = price;
    this.lastSecond = Math.floor(timeMs / 1000);
    if (this.tradable) this.trade(timeMs, previousSteps);
    this.fill(out);
  }

  /** Writes the current state into `out` without advancing the market (a subscription snapshot). */
  fill(out: PacketFields): void {
    const priceOf = this.priceOf;
    out.token = this.token;
    out.lastPrice = priceOf(this.lastSteps);
    out.lastQuantity = this.lastQuantity;
    out.averagePrice = this.volume > 0 ? Math.round((this.turnover / this.volume) * 100) / 100 : 0;
    out.volume = this.volume;
    out.totalBuyQuantity = this.totalBuy;
    out.totalSellQuantity = this.totalSell;
    out.open = this.open;
    out.high = this.high;
    out.low = this.low;
    out.close = this.close;
    out.lastTradeTime = this.tradable ? this.lastSecond : 0;
    out.oi = 0; // cash equities and indices carry no open interest
    out.oiDayHigh = 0;
    out.oiDayLow = 0;
    out.exchangeTimestamp = this.lastSecond;
    for (let i = 0; i < DEPTH_LEVELS; i++) {
      const bid = out.depth[i]!;
      const ask = out.depth[DEPTH_LEVELS + i]!;
      const empty = !this.tradable || this.depthQuantity[i] === 0;
      bid.price = empty ? 0 : priceOf(this.bidSteps - i);
      bid.quantity = this.depthQuantity[i]!;
      bid.orders = this.depthOrders[i]!;
      ask.price = empty ? 0 : priceOf(this.askSteps + i);
      ask.quantity = this.depthQuantity[DEPTH_LEVELS + i]!;
      ask.orders = this.depthOrders[DEPTH_LEVELS + i]!;
    }
  }

  private openDay(day: number): void {
    if (this.inDay) this.close = this.priceOf(this.lastSteps);
    this.inDay = true;
    this.day = day;
    // An opening gap of about a third of a day's move.
    const dailySigma = this.sigma * Math.sqrt(SESSION_SECONDS);
    this.logPrice += 0.3 * dailySigma * this.rng.normal();
    const steps = Math.max(1, Math.round(Math.exp(this.logPrice) / this.tickSize));
    this.open = this.high = this.low = this.priceOf(steps);
    this.volume = 0;
    this.turnover = 0;
    this.lastQuantity = 0;
  }

  /** Takes over a history's day; the book stays empty until the first step trades. */
  private resume(start: SimStartState): void {
    this.inDay = true;
    this.day = start.day;
    this.lastMs = start.time;
    this.lastTradeMs = start.time;
    this.lastSecond = Math.floor(start.time / 1000);
    this.logPrice = Math.log(start.lastPrice);
    this.lastSteps = Math.round(start.lastPrice / this.tickSize);
    this.open = start.open;
    this.high = start.high;
    this.low = start.low;
    this.close = start.previousClose;
    this.volume = start.volume;
    this.turnover = start.turnover;
  }

  /** Books one trade at the last price and rebuilds the book around it. */
  private trade(timeMs: number, previousSteps: number): void {
    const rng = this.rng;
    const steps = this.lastSteps;
    const dt = this.volume === 0 ? 1 : Math.max(0, timeMs - this.lastTradeMs) / 1000;
    this.lastTradeMs = timeMs;
    const expected = this.volumePerSecond * volumeProfile(sessionPosition(timeMs)) * Math.min(dt, 3600);
    const traded = Math.max(1, Math.round(expected * Math.exp(0.5 * rng.normal() - 0.125)));
    const lastTrade = Math.max(1, Math.round(this.typicalTrade * Math.exp(0.8 * rng.normal() - 0.32)));
    this.lastQuantity = Math.min(traded, lastTrade);
    this.volume += traded;
    this.turnover += traded * this.priceOf(steps);

    // An uptick lifted the offer, a downtick hit the bid; unchanged prices lean with the flow.
    const buyerInitiated =
      steps > previousSteps || (steps === previousSteps && rng.next() < 0.5 + 0.25 * this.imbalance);
    const spread = this.baseSpreadTicks + (rng.next() < 0.25 ? 1 : 0);
    this.askSteps = buyerInitiated ? steps : steps + spread;
    this.bidSteps = this.askSteps - spread;

    // One uniform per level (not a lognormal): the book is the costliest part of a tick.
    for (let i = 0; i < 2 * DEPTH_LEVELS; i++) {
      const level = i % DEPTH_LEVELS;
      const lean = i < DEPTH_LEVELS ? 1 + 0.5 * this.imbalance : 1 - 0.5 * this.imbalance;
      const u = rng.next();
      const quantity = Math.max(1, Math.round(this.typicalLevel * lean * (1 + 0.4 * level) * (0.2 + 1.6 * u * u)));
      this.depthQuantity[i] = quantity;
      this.depthOrders[i] = Math.min(MAX_ORDERS, 1 + Math.floor(quantity / (this.typicalTrade * 2) + 3 * u));
    }
    // Orders resting across the whole book: a few percent of a day's volume.
    const resting = Math.max(10 * this.typicalLevel, 0.05 * this.dailyVolume);
    this.totalBuy = Math.round(resting * (1 + 0.5 * this.imbalance));
    this.totalSell = Math.round(resting * (1 - 0.5 * this.imbalance));
  }
}
