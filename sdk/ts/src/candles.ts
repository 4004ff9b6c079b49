/**
 * Candles for an algo: history (closed bars, oldest first) and then live closed bars as they
 * close, with no gap and no bar twice. The stream is subscribed first and buffered, then the
 * history is read, and live bars are taken only after the last bar already given; after a
 * reconnect, the bars that closed while away are read from the history before going on live.
 */
import type { Candle, CandleInterval } from '../../../shared/candle';
import type { CandleUpdate } from '../../../shared/contract/stream';
import type { Channel } from './channel';
import type { Rest } from './rest';
import type { Stream } from './stream';

/** One bar: `live` when it came from the stream (false: from history); `closed` false only for forming updates. */
export interface Bar extends Candle {
  instrument: string;
  interval: CandleInterval;
  live: boolean;
  closed: boolean;
}

export interface CandlesOptions {
  /** How many closed bars of history to start with (default: the agent's default, 200). */
  count?: number;
  /** History from this time instead (ISO-8601 with a zone, or a Date). */
  from?: string | Date;
  /** False: end after the history. Default true. */
  live?: boolean;
  /** Also yield updates of the forming bar (`closed: false`). Default false. */
  forming?: boolean;
}

export type CandleEvent = { kind: 'update'; update: CandleUpdate } | { kind: 'lost' } | { kind: 'reconnected' };

const ms = (candle: Candle) => Date.parse(candle.time);

/** `events` carries what the stream says (ending it ends the bars: the SDK closes). */
export async function* candleBars(
  rest: Rest,
  stream: Stream,
  events: Channel<CandleEvent>,
  instrument: string,
  interval: CandleInterval,
  options: CandlesOptions = {},
): AsyncGenerator<Bar, void, undefined> {
  const live = options.live ?? true;
  const bar = (candle: Candle, fromStream: boolean, closed = true): Bar => ({ ...candle, instrument, interval, live: fromStream, closed });
  const unsubscribe: Array<() => void> = [];
  if (live) {
    unsubscribe.push(
      stream.onMessage((message) => {
        if (message.type !== 'candles') return;
        for (const update of message.updates) if (update.instrument === instrument && update.interval === interval) events.push({ kind: 'update', update });
      }),
      stream.onLost(() => events.push({ kind: 'lost' })),
      stream.onReconnected(() => events.push({ kind: 'reconnected' })),
    );
  }
  try {
    if (live) await stream.subscribeCandles(instrument, interval);
    const history = await historyBars(rest, instrument, interval, options);
    let last = -Infinity;
    for (const candle of history) {
      if (events.ended) return;
      last = ms(candle);
      yield bar(candle, false);
    }
    if (!live) return;
    // While the connection is away, what the new one sends waits for the bars missed meanwhile.
    let away = false;
    const held: CandleUpdate[] = [];
    for (;;) {
      const next = await events.next();
      if (next.done) return;
      const event = next.value;
      if (event.kind === 'lost') {
        away = true;
        continue;
      }
      if (event.kind === 'update' && away) {
        held.push(event.update);
        continue;
      }
      const updates: CandleUpdate[] = event.kind === 'update' ? [event.update] : held.splice(0);
      if (event.kind === 'reconnected') {
        away = false;
        const missed = await rest.call('getCandles', { instrument, interval, ...(last === -Infinity ? {} : { from: new Date(last).toISOString() }) });
        for (const candle of missed.candles) {
          if (ms(candle) <= last) continue;
          last = ms(candle);
          yield bar(candle, false);
        }
      }
      for (const { candle, closed } of updates) {
        if (ms(candle) <= last) continue;
        if (closed) {
          last = ms(candle);
          yield bar(candle, true);
        } else if (options.forming) yield bar(candle, true, false);
      }
    }
  } finally {
    for (const off of unsubscribe) off();
    events.end();
    if (live) await stream.unsubscribeCandles(instrument, interval);
  }
}

/** Closed bars of history, oldest first: `count` of them (reading further back as needed), or from `from`. */
async function historyBars(rest: Rest, instrument: string, interval: CandleInterval, options: CandlesOptions): Promise<Candle[]> {
  if (options.from !== undefined) {
    const from = options.from instanceof Date ? options.from.toISOString() : options.from;
    const { candles } = await rest.call('getCandles', { instrument, interval, from });
    return options.count === undefined ? candles : candles.slice(0, options.count);
  }
  let { candles } = await rest.call('getCandles', { instrument, interval });
  const count = options.count;
  if (count === undefined) return candles;
  while (candles.length < count && candles.length > 0) {
    const earlier = (await rest.call('getCandles', { instrument, interval, to: candles[0]!.time })).candles.filter((c) => ms(c) < ms(candles[0]!));
    if (earlier.length === 0) break;
    candles = [...earlier, ...candles];
  }
  return candles.slice(-count);
}
