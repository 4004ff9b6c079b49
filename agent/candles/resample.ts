/**
 * Minutes into bars of any interval, aligned to the instrument's session: open of the first
 * minute, high and low over all, close and open interest of the last, volumes summed. The same
 * fold serves stored history and the live forming bar, so both agree to the unit. Bars come out
 * in the minutes' own packed layout (a bar's first number is the epoch minute it starts), so a
 * year of bars is built without an object per bar.
 */
import type { CandleInterval } from '../../shared/candle';
import { barEnd, barStart, INTERVAL_MINUTES, MINUTE_MS, type MarketSession } from '../../shared/market-session';
import { CLOSE, HIGH, LOW, MinuteBlock, type MinuteRow, OI, OPEN, STRIDE, VOLUME } from './minute-block';

export interface Bar {
  /** Epoch ms of the bar's start. */
  start: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  oi: number | null;
}

/** Folds one minute into `bar` (which must be the bar holding it). */
export function foldMinute(bar: Bar, row: MinuteRow): void {
  if (row[2] > bar.high) bar.high = row[2];
  if (row[3] < bar.low) bar.low = row[3];
  bar.close = row[4];
  bar.volume += row[5];
  if (row[6] !== null) bar.oi = row[6];
}

export function barOf(start: number, row: MinuteRow): Bar {
  return { start, open: row[1], high: row[2], low: row[3], close: row[4], volume: row[5], oi: row[6] };
}

/** Bar `i` of a block of bars as an object. */
export function barAt(bars: MinuteBlock, i: number): Bar {
  const [minute, open, high, low, close, volume, oi] = bars.row(i);
  return { start: minute * MINUTE_MS, open, high, low, close, volume, oi };
}

/**
 * Ascending minutes into ascending bars (same layout); minutes outside the session are left out.
 * The store holds only minutes inside their instrument's session (the aggregator and the
 * backfill drop the others), so 1-minute bars are the minutes themselves.
 */
export function resample(minutes: MinuteBlock, interval: CandleInterval, session: MarketSession, { inSession = false } = {}): MinuteBlock {
  if (interval === 'minute' && inSession) return minutes;
  const input = minutes.data;
  const out = new Float64Array(input.length);
  const size = interval === 'day' ? Infinity : INTERVAL_MINUTES[interval] * MINUTE_MS;
  let n = -1; // index of the bar being built
  let barStartMs = Number.NaN;
  // The session holding the last minute: minutes inside it need only arithmetic.
  let open = Number.POSITIVE_INFINITY;
  let close = Number.NEGATIVE_INFINITY;
  for (let at = 0; at < input.length; at += STRIDE) {
    const time = input[at]! * MINUTE_MS;
    if (time < open || time >= close) {
      const start = barStart(time, 'day', session);
      if (start === undefined) continue;
      open = start;
      close = barEnd(start, 'day', session);
    }
    const start = size === Infinity ? open : open + Math.floor((time - open) / size) * size;
    if (start !== barStartMs) {
      n++;
      barStartMs = start;
      const o = n * STRIDE;
      out[o] = start / MINUTE_MS;
      out[o + OPEN] = input[at + OPEN]!;
      out[o + HIGH] = input[at + HIGH]!;
      out[o + LOW] = input[at + LOW]!;
      out[o + CLOSE] = input[at + CLOSE]!;
      out[o + VOLUME] = input[at + VOLUME]!;
      out[o + OI] = input[at + OI]!;
      continue;
    }
    const o = n * STRIDE;
    const high = input[at + HIGH]!;
    const low = input[at + LOW]!;
    if (high > out[o + HIGH]!) out[o + HIGH] = high;
    if (low < out[o + LOW]!) out[o + LOW] = low;
    out[o + CLOSE] = input[at + CLOSE]!;
    out[o + VOLUME] = out[o + VOLUME]! + input[at + VOLUME]!;
    const oi = input[at + OI]!;
    if (!Number.isNaN(oi)) out[o + OI] = oi;
  }
  return new MinuteBlock(out.subarray(0, (n + 1) * STRIDE));
}

/** The bar of a block that starts at `startMs`, if there is one. */
export function barStarting(bars: MinuteBlock, startMs: number): Bar | undefined {
  const i = bars.lowerBound(startMs / MINUTE_MS);
  return i < bars.length && bars.minute(i) * MINUTE_MS === startMs ? barAt(bars, i) : undefined;
}
