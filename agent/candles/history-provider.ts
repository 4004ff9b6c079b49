/**
 * Where past candles come from: the simulated market's generated history, or a broker's
 * historical API (Kite's, with the Kite issue). The store always asks for 1-minute candles, the
 * base every interval is derived from; a provider states how long a span one request may ask
 * for and how many requests a second it takes, and the backfill keeps to both.
 */
import type { CandleInterval } from '../../shared/candle';
import type { ErrorCode } from '../../shared/errors';
import type { Instrument } from '../../shared/instrument';
import type { MinuteRow } from './candle-store';

export interface HistoryProvider {
  readonly name: string;
  /** The longest span one request may cover, in days, by interval (Kite: minute 60, …, day 2000). */
  readonly spanDays: Readonly<Record<CandleInterval, number>>;
  /** Requests a second the provider accepts (Kite: 3). */
  readonly requestsPerSecond: number;
  /**
   * Whether its minutes replace what the live feed recorded (a broker's history saw every
   * trade). The simulated market's does not: its live feed is its truth, and history only fills
   * the minutes the feed did not record.
   */
  readonly replacesLive: boolean;
  /** Epoch ms up to which history can be asked for at `now` (exclusive): later minutes come only from live ticks. */
  horizon(now: number): number;
  /** Whether the provider keeps any history for the instrument. */
  hasHistory(instrument: Instrument): boolean;
  /**
   * The 1-minute candles of [from, to) (epoch ms, minute-aligned), ascending, each within the
   * range. Throws HistoryUnavailable when the provider cannot answer.
   */
  fetchMinutes(instrument: Instrument, from: number, to: number, signal: AbortSignal): Promise<MinuteRow[]>;
  /**
   * A future's day candles over [from, to), stitched across its expired contracts (Kite's
   * `continuous`), each row at its session's open. Absent when the provider has none. The
   * series belongs to no one contract, so it is never stored.
   */
  fetchContinuousDays?(instrument: Instrument, from: number, to: number, signal: AbortSignal): Promise<MinuteRow[]>;
}

/** The provider could not serve history (down, refusing, too slow); the message says why, and the code what to do. */
export class HistoryUnavailable extends Error {
  override readonly name = 'HistoryUnavailable';

  constructor(
    message: string,
    /** `broker_login_required`, `broker_rejected`, `broker_rate_limited`; default `provider_unavailable`. */
    readonly code: ErrorCode = 'provider_unavailable',
  ) {
    super(message);
  }
}

/** Kite's per-request span limits, in days. */
export const KITE_SPAN_DAYS: Readonly<Record<CandleInterval, number>> = {
  minute: 60,
  '3minute': 100,
  '5minute': 100,
  '10minute': 100,
  '15minute': 200,
  '30minute': 200,
  '60minute': 400,
  day: 2000,
};
