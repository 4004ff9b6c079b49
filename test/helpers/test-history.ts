/**
 * A broker's history API with the interface of the real one (`HistoryProvider`), answered as a
 * test scripts it: every request recorded, the answer, the horizon and which instruments have
 * history chosen by the test.
 */
import type { MinuteRow } from '../../agent/candles/candle-store';
import { type HistoryProvider, KITE_SPAN_DAYS } from '../../agent/candles/history-provider';
import type { Instrument } from '../../shared/instrument';

export interface TestHistoryOptions {
  /** Where history ends: a fixed instant, or a function of now (default: now). */
  until?: number | ((now: number) => number);
  requestsPerSecond?: number;
  /** Instruments with no history at all. */
  without?: string[];
  answer?: (from: number, to: number, signal: AbortSignal) => Promise<MinuteRow[]>;
}

export class TestHistory implements HistoryProvider {
  readonly name = 'the test broker';
  readonly spanDays = KITE_SPAN_DAYS;
  readonly replacesLive = true;
  readonly requestsPerSecond: number;
  requests: Array<{ from: number; to: number; at: number }> = [];
  answer: (from: number, to: number, signal: AbortSignal) => Promise<MinuteRow[]>;

  constructor(private readonly options: TestHistoryOptions = {}) {
    this.requestsPerSecond = options.requestsPerSecond ?? 1000;
    this.answer = options.answer ?? (async () => []);
  }

  horizon(now: number): number {
    const { until } = this.options;
    return until === undefined ? now : typeof until === 'number' ? until : until(now);
  }

  hasHistory(instrument: Instrument): boolean {
    return !(this.options.without ?? []).includes(instrument.id);
  }

  fetchMinutes(_instrument: Instrument, from: number, to: number, signal: AbortSignal): Promise<MinuteRow[]> {
    this.requests.push({ from, to, at: performance.now() });
    return this.answer(from, to, signal);
  }
}
