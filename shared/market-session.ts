/**
 * When an exchange trades, and where bars start. Candles are aligned to the session, not to the
 * clock: NSE equities trade 09:15–15:30 IST, so 60-minute bars start 09:15, 10:15, … and the
 * last one is 15:15–15:30; the day bar is the session. Indian exchanges keep no daylight saving,
 * so a session is a fixed offset from UTC and two minutes of the local day.
 *
 * A session may run past local midnight (the simulated exchange trades from 09:15 to 09:15 the
 * next day, so its bars look like NSE's at any hour); it belongs to the local date it opens on.
 * Exchange holidays are not modelled here: a holiday simply has no ticks and no candles.
 */
import type { CandleInterval } from './candle';

export interface MarketSession {
  /** The exchange's IANA time zone, for clients to show times in (`Asia/Kolkata`). */
  timeZone: string;
  /** The exchange's offset from UTC, in minutes (IST: +330). */
  utcOffsetMinutes: number;
  /** Minutes after local midnight: the first minute of trading, and the minute trading stops (at most a day after the open). */
  openMinute: number;
  closeMinute: number;
  /** True when the exchange is shut on Saturdays and Sundays (local dates of the open). */
  weekdaysOnly: boolean;
}

export const NSE_EQUITY_SESSION: MarketSession = {
  timeZone: 'Asia/Kolkata',
  utcOffsetMinutes: 330,
  openMinute: 9 * 60 + 15,
  closeMinute: 15 * 60 + 30,
  weekdaysOnly: true,
};
/** The simulated exchange: NSE's bar grid, but open around the clock, every day, so it can be tried at any hour. */
export const SIM_SESSION: MarketSession = {
  timeZone: 'Asia/Kolkata',
  utcOffsetMinutes: 330,
  openMinute: 9 * 60 + 15,
  closeMinute: 9 * 60 + 15 + 24 * 60,
  weekdaysOnly: false,
};
/** Open at every minute of every UTC day. */
export const ALWAYS_OPEN: MarketSession = { timeZone: 'UTC', utcOffsetMinutes: 0, openMinute: 0, closeMinute: 24 * 60, weekdaysOnly: false };

export const MINUTE_MS = 60_000;
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

function sessionLength(session: MarketSession): number {
  return (session.closeMinute - session.openMinute) * MINUTE_MS;
}

/** Epoch ms of the open of the session that would hold `epochMs` (whether or not it trades that day). */
export function sessionOpenBefore(epochMs: number, session: MarketSession): number {
  const offset = session.utcOffsetMinutes * MINUTE_MS;
  const open = session.openMinute * MINUTE_MS;
  return Math.floor((epochMs + offset - open) / DAY_MS) * DAY_MS + open - offset;
}

/** Whether a session opening at `open` trades at all (weekends). */
function trades(open: number, session: MarketSession): boolean {
  if (!session.weekdaysOnly) return true;
  const localDay = Math.floor((open + session.utcOffsetMinutes * MINUTE_MS) / DAY_MS);
  const weekday = (localDay + 4) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
  return weekday !== 0 && weekday !== 6;
}

function barMs(interval: CandleInterval, session: MarketSession): number {
  return interval === 'day' ? sessionLength(session) : INTERVAL_MINUTES[interval] * MINUTE_MS;
}

/**
 * The start (epoch ms) of the `interval` bar holding the instant `epochMs`, or undefined when
 * the exchange is closed then.
 */
export function barStart(epochMs: number, interval: CandleInterval, session: MarketSession): number | undefined {
  const open = sessionOpenBefore(epochMs, session);
  const since = epochMs - open;
  if (since >= sessionLength(session) || !trades(open, session)) return undefined;
  const size = barMs(interval, session);
  return open + Math.floor(since / size) * size;
}

/** The end (epoch ms, exclusive) of the bar that starts at `start`: its length, cut at the close. */
export function barEnd(start: number, interval: CandleInterval, session: MarketSession): number {
  const close = sessionOpenBefore(start, session) + sessionLength(session);
  return Math.min(close, start + barMs(interval, session));
}

/**
 * The start of the earliest of the last `count` bars at or before `to` (the bar holding `to`, if
 * any, is one of them): the `from` that makes [from, to) hold `count` bars of trading days.
 * Walks back at most ten years of sessions.
 */
export function barsBack(to: number, interval: CandleInterval, session: MarketSession, count: number): number {
  const size = barMs(interval, session);
  const length = sessionLength(session);
  let open = sessionOpenBefore(to - 1, session);
  let left = count;
  for (let days = 0; days < 3660; days++, open -= DAY_MS) {
    if (!trades(open, session)) continue;
    const end = Math.min(to, open + length);
    if (end <= open) continue;
    const bars = Math.ceil((end - open) / size);
    if (bars >= left) return open + (bars - left) * size;
    left -= bars;
  }
  return open;
}

/** The local date (YYYY-MM-DD) a session opening at `open` belongs to. */
export function sessionDate(open: number, session: MarketSession): string {
  return new Date(open + session.utcOffsetMinutes * MINUTE_MS).toISOString().slice(0, 10);
}
