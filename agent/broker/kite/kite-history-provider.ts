/**
 * Kite's historical candles as the candle store's HistoryProvider, through the official
 * `KiteConnect` client (its `root` pointing at Kite or at the emulator). The store asks for
 * 1-minute candles; Kite's span limit for them is 60 days and its rate 3 requests a second, which
 * the backfill keeps to. Kite's history is authoritative: it replaces minutes the ticker saw only
 * in part.
 *
 * Times: the client formats Date arguments in the process's own time zone, and Kite reads them
 * as IST; so the range is passed as IST text, never as Dates, and the agent runs the same in any
 * zone. Kite's `to` is inclusive.
 */
import { ApiError, type ErrorCode } from '../../../shared/errors';
import type { Instrument } from '../../../shared/instrument';
import { MINUTE_MS } from '../../../shared/market-session';
import type { MinuteRow } from '../../candles/candle-store';
import { HistoryUnavailable, type HistoryProvider, KITE_SPAN_DAYS } from '../../candles/history-provider';
import { istDayStart, istText } from './kite-time';


/** The part of the official client this provider uses. */
export interface KiteHistoryClient {
  getHistoricalData(
    token: number | string,
    interval: string,
    from: string | Date,
    to: string | Date,
    continuous?: boolean,
    oi?: boolean,
  ): Promise<Array<{ date: Date; open: number; high: number; low: number; close: number; volume: number; oi?: number }>>;
}

/** Instruments that carry open interest. */
function hasOpenInterest(instrument: Instrument): boolean {
  return instrument.instrumentType === 'FUT' || instrument.instrumentType === 'CE' || instrument.instrumentType === 'PE';
}

export class KiteHistoryProvider implements HistoryProvider {
  readonly name = 'Kite';
  readonly spanDays = KITE_SPAN_DAYS;
  readonly requestsPerSecond = 3;
  readonly replacesLive = true;

  constructor(private readonly client: KiteHistoryClient) {}

  /** Up to the minute in progress, which Kite would answer only in part. */
  horizon(now: number): number {
    return Math.floor(now / MINUTE_MS) * MINUTE_MS;
  }

  hasHistory(): boolean {
    return true;
  }

  async fetchMinutes(instrument: Instrument, from: number, to: number): Promise<MinuteRow[]> {
    let candles: Awaited<ReturnType<KiteHistoryClient['getHistoricalData']>>;
    try {
      candles = await this.client.getHistoricalData(instrument.token, 'minute', istText(from), istText(to - MINUTE_MS), false, hasOpenInterest(instrument));
    } catch (error) {
      throw new HistoryUnavailable(`Kite refused the history of ${instrument.id}: ${describe(error)}`, codeOf(error));
    }
    return candles.map((c) => [c.date.getTime() / MINUTE_MS, c.open, c.high, c.low, c.close, c.volume, c.oi ?? null]);
  }

  async fetchContinuousDays(instrument: Instrument, from: number, to: number): Promise<MinuteRow[]> {
    let candles: Awaited<ReturnType<KiteHistoryClient['getHistoricalData']>>;
    try {
      candles = await this.client.getHistoricalData(instrument.token, 'day', istText(from), istText(to - MINUTE_MS), true, true);
    } catch (error) {
      throw new HistoryUnavailable(`Kite refused the continuous history of ${instrument.id}: ${describe(error)}`, codeOf(error));
    }
    return candles.map((c) => [atSessionOpen(instrument, c.date) / MINUTE_MS, c.open, c.high, c.low, c.close, c.volume, c.oi ?? null]);
  }
}

/** Kite stamps a day candle at its date's midnight, IST (written with +0530, which the client reads exactly); our day bars start at the session's open. */
function atSessionOpen(instrument: Instrument, date: Date): number {
  return istDayStart(date.getTime()) + instrument.session.openMinute * MINUTE_MS;
}

/** The agent's Kite client answers ApiErrors whose code says what to do; anything else is Kite being unavailable. */
function codeOf(error: unknown): ErrorCode {
  return error instanceof ApiError ? error.code : 'provider_unavailable';
}

/** The official client rejects with Kite's error body (`message`, `error_type`), or with an Error. */
function describe(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const { message, error_type: type } = error as { message?: unknown; error_type?: unknown };
    if (typeof message === 'string') return typeof type === 'string' ? `${type}: ${message}` : message;
  }
  return String(error);
}
