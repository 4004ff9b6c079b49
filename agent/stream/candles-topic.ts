/**
 * The `candles` topic: a connection follows series (an instrument and an interval) and gets each
 * completed bar once (`closed: true`) and updates of the forming bar (`closed: false`, at most a
 * few a second). Updates due at the same moment go out as one message. A client that does not
 * read is sent no more forming updates until it catches up; closed bars are always sent.
 */
import type { CandleInterval } from '../../shared/candle';
import type { CandleSeries, CandleUpdate, Topics } from '../../shared/contract/stream';
import { toCandle } from '../candles/candle-query';
import type { LiveCandles, SeriesUpdate } from '../candles/live-candles';
import type { InstrumentRegistry } from '../instruments/instrument-registry';
import type { TopicHandler } from './stream-core';
import { requireCarry } from './ticks-topic';

export interface CandlesTopicDeps {
  live: LiveCandles;
  registry: InstrumentRegistry;
  isTicking: (instrument: string) => boolean;
  /** Has the ticker carry those of `instruments` it does not (quote mode: candles need volumes). */
  carry: (instruments: readonly string[]) => void;
  /** Replies waiting to be written past which forming updates are skipped (default 1 MiB). */
  maxBufferedBytes?: number;
}

export function candlesTopic({ live, registry, isTicking, carry, maxBufferedBytes = 1 << 20 }: CandlesTopicDeps): TopicHandler<Topics['candles']> {
  return {
    open(peer, principal) {
      const followed = new Map<string, () => void>();
      let pending: CandleUpdate[] = [];
      let scheduled = false;
      const send = () => {
        scheduled = false;
        const updates = pending;
        pending = [];
        if (updates.length > 0) peer.reply({ type: 'candles', updates });
      };
      const listenerOf = (series: CandleSeries) => (update: SeriesUpdate) => {
        if (!update.closed && peer.bufferedAmount() > maxBufferedBytes) return;
        pending.push({ instrument: series.instrument, interval: series.interval, candle: toCandle(update.bar), closed: update.closed });
        if (!scheduled) {
          scheduled = true;
          queueMicrotask(send);
        }
      };
      const unique = (series: CandleSeries[]) => [...new Map(series.map((s) => [keyOf(s), s])).values()];
      return {
        subscribe({ series, carry: carrying }) {
          if (carrying) requireCarry(principal);
          const wanted = unique(series);
          const instruments = [...new Set(wanted.map((s) => s.instrument))];
          registry.requireKnown(instruments, 'series');
          if (carrying) carry(instruments);
          for (const s of wanted) {
            if (followed.has(keyOf(s))) continue;
            const instrument = registry.get(s.instrument)!;
            const listener = listenerOf(s);
            followed.set(keyOf(s), live.follow(instrument, s.interval, listener));
            // The new subscriber's first view: the forming bar as it is now.
            live.snapshot(instrument, s.interval, listener);
          }
          return { series: wanted, inactive: instruments.filter((id) => !isTicking(id)) };
        },
        unsubscribe({ series }) {
          const named = unique(series);
          for (const s of named) {
            followed.get(keyOf(s))?.();
            followed.delete(keyOf(s));
          }
          return { series: named };
        },
        close() {
          for (const unfollow of followed.values()) unfollow();
          followed.clear();
          pending = [];
        },
      };
    },
  };
}

function keyOf(series: { instrument: string; interval: CandleInterval }): string {
  return `${series.instrument}\u0000${series.interval}`;
}
