/**
 * The simulated market's history as a HistoryProvider: generated minutes up to where this run of
 * the live market began (it starts from the history's last close), with Kite's span limits, so a
 * backfill against the sim splits and paces as it will against Kite.
 */
import type { Instrument } from '../../../shared/instrument';
import { MINUTE_MS } from '../../../shared/market-session';
import type { MinuteRow } from '../../candles/candle-store';
import { type HistoryProvider, KITE_SPAN_DAYS } from '../../candles/history-provider';
import { SimHistory } from './sim-history';
import type { SimInstrument } from './universe';

export interface SimHistoryProviderOptions {
  universe: readonly SimInstrument[];
  seed: number;
  /** Where history ends and live prices begin (epoch ms, minute-aligned). */
  historyUntil: () => number;
  /** Default 10: the sim needs no pacing, but a little shows how a backfill behaves. */
  requestsPerSecond?: number;
}

export class SimHistoryProvider implements HistoryProvider {
  readonly name = 'the simulated market';
  readonly spanDays = KITE_SPAN_DAYS;
  readonly replacesLive = false;
  readonly requestsPerSecond: number;
  private readonly history: SimHistory;
  private readonly byId: Map<string, SimInstrument>;

  constructor(private readonly options: SimHistoryProviderOptions) {
    this.history = new SimHistory(options.seed);
    this.byId = new Map(options.universe.map((i) => [i.id, i]));
    this.requestsPerSecond = options.requestsPerSecond ?? 10;
  }

  /**
   * History ends where this run of the live market began (it started from the history's close
   * then); later minutes are what the ticker records. After a restart, the minutes since the
   * last run began are history again where the ticker did not record them.
   */
  horizon(): number {
    return this.options.historyUntil();
  }

  hasHistory(instrument: Instrument): boolean {
    return this.byId.has(instrument.id);
  }

  async fetchMinutes(instrument: Instrument, from: number, to: number, signal: AbortSignal): Promise<MinuteRow[]> {
    // Generating 60 days takes a few milliseconds: let other work run between requests.
    await new Promise((resolve) => setImmediate(resolve));
    signal.throwIfAborted();
    const sim = this.byId.get(instrument.id);
    if (!sim) return [];
    return this.history.minutes(sim, from, to).map((m) => [m.time / MINUTE_MS, m.open, m.high, m.low, m.close, m.volume, null]);
  }
}
