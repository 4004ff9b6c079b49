/**
 * When an exchange trades, and where bars start. Candles are aligned to the session, not to the
 * clock: NSE equities trade 09:15–15:30 IST, so 60-minute bars start 09:15, 10:15, … and the
 * last one is 15:15–15:30; the day bar is the session. Indian exchanges keep no daylight saving,
 * so a session is a fixed offset from UTC and two minutes of the local day.
 */
import type { CandleInterval } from './candle';

export interface MarketSession {
  /** The exchange's offset from UTC, in minutes (IST: +330). */
  utcOffsetMinutes: number;
  /** Minutes after local midnight: the first minute of trading, and the minute trading stops. */
  openMinute: number;
  closeMinute: number;
}

export const NSE_EQUITY_SESSION: MarketSession = { utcOffsetMinutes: 330, openMinute: 9 * 60 + 15, closeMinute: 15 * 60 + 30 };
/** Open at every minute of the day: for a market without a session (the simulated one at night). */
export const ALWAYS_OPEN: MarketSession = { utcOffsetMinutes: 0, openMinute: 0, closeMinute: 24 * 60 };

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

export const INTERVAL_MINUTES: Record<Exclude<CandleInterval, 'day'>, number> = {
  minute: 1,
  '3minute': 3,
  '5minute': 5,
  '10minute': 10,
  '15minute': 15,
  '30minute': 30,
  '60minute': 60,
};

/**
 * The start (epoch ms) of the `interval` bar holding the instant `epochMs`, or undefined when
 * the exchange is closed then.
 */
export function barStart(epochMs: number, interval: CandleInterval, session: MarketSession): number | undefined {
  const offset = session.utcOffsetMinutes * MINUTE_MS;
  const local = epochMs + offset;
  const localMidnight = Math.floor(local / DAY_MS) * DAY_MS;
  const minuteOfDay = Math.floor((local - localMidnight) / MINUTE_MS);
  if (minuteOfDay < session.openMinute || minuteOfDay >= session.closeMinute) return undefined;
  const sinceOpen = minuteOfDay - session.openMinute;
  const size = interval === 'day' ? Number.POSITIVE_INFINITY : INTERVAL_MINUTES[interval];
  const barMinute = session.openMinute + (size === Number.POSITIVE_INFINITY ? 0 : Math.floor(sinceOpen / size) * size);
  return localMidnight + barMinute * MINUTE_MS - offset;
}

/** The end (epoch ms, exclusive) of the bar that starts at `start`: its length, cut at the close. */
export function barEnd(start: number, interval: CandleInterval, session: MarketSession): number {
  const offset = session.utcOffsetMinutes * MINUTE_MS;
  const local = start + offset;
  const localMidnight = Math.floor(local / DAY_MS) * DAY_MS;
  const close = localMidnight + session.closeMinute * MINUTE_MS - offset;
  if (interval === 'day') return close;
  return Math.min(close, start + INTERVAL_MINUTES[interval] * MINUTE_MS);
}
