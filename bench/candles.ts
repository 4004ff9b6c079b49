/**
 * Candle benchmarks (`npm run bench -- candles`). Today one part, aggregation: the ticks of a
 * session at the ticker's ceiling shape (9,000 instruments, full packets, 2 ticks/s each), read
 * from Kite packets with the hub observer's field readers and aggregated into 1-minute candles in
 * one thread, as the candle service will do. Reported as ticks/s, the median of several rounds
 * with its spread. The store and query parts come with the candle store.
 */
import { MinuteAggregator } from '../agent/candles/minute-aggregator';
import { encodePacket, PACKET_FULL, readPacketExchangeTime, readPacketOi, readPacketPrice, readPacketVolume } from '../shared/kite-packet';
import { NSE_EQUITY_SESSION } from '../shared/market-session';
import { round } from './proc-stats';
import { median, spreadOf } from './spread';

const INSTRUMENTS = 9000;
const TICKS_PER_SECOND = 2;
/** Minutes of market replayed per round: enough for every instrument to close many candles. */
const MINUTES = 10;
const ROUNDS = 7;
const SESSION_OPEN = Date.parse('2026-11-25T09:15:00+05:30') / 1000;

const log = (text: string) => process.stderr.write(`[candles] ${text}\n`);

/** One second of the market: a packet of every instrument, as they lie in broker frames. */
function secondOfPackets(): { bytes: Uint8Array; view: DataView } {
  const bytes = new Uint8Array(INSTRUMENTS * PACKET_FULL);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < INSTRUMENTS; i++) {
    const token = (100_000 + i) * 256 + 1;
    const lastPrice = 100 + (i % 500);
    encodePacket(view, i * PACKET_FULL, 'full', {
      token, lastPrice, lastQuantity: 1, averagePrice: lastPrice, volume: 1_000 + i, totalBuyQuantity: 1, totalSellQuantity: 1,
      open: lastPrice, high: lastPrice, low: lastPrice, close: lastPrice, lastTradeTime: SESSION_OPEN, oi: i, oiDayHigh: i, oiDayLow: i,
      exchangeTimestamp: SESSION_OPEN, depth: [],
    });
  }
  return { bytes, view };
}

function aggregationRound(view: DataView): number {
  let closed = 0;
  const aggregator = new MinuteAggregator({ sessionOf: () => NSE_EQUITY_SESSION, closed: () => closed++ });
  const seconds = MINUTES * 60;
  const started = performance.now();
  for (let second = 0; second < seconds; second++) {
    for (let tick = 0; tick < TICKS_PER_SECOND; tick++) {
      // The packets move on each tick (price, volume, time), as the broker's would.
      const drift = (second * TICKS_PER_SECOND + tick) * 0.05;
      const time = (SESSION_OPEN + second) * 1000 + tick * (1000 / TICKS_PER_SECOND);
      for (let i = 0; i < INSTRUMENTS; i++) {
        const at = i * PACKET_FULL;
        const exchangeSeconds = readPacketExchangeTime(view, at, PACKET_FULL);
        aggregator.add(
          view.getInt32(at),
          readPacketPrice(view, at, PACKET_FULL) + drift,
          readPacketVolume(view, at, PACKET_FULL) + second * 10 + tick,
          readPacketOi(view, at, PACKET_FULL),
          exchangeSeconds > 0 ? time : 0,
        );
      }
    }
  }
  aggregator.closeDue((SESSION_OPEN + seconds) * 1000);
  const elapsed = (performance.now() - started) / 1000;
  if (closed !== INSTRUMENTS * MINUTES) throw new Error(`expected ${INSTRUMENTS * MINUTES} candles, got ${closed}`);
  return (seconds * TICKS_PER_SECOND * INSTRUMENTS) / elapsed;
}

export async function runCandlesBench(): Promise<Record<string, unknown>> {
  const { view } = secondOfPackets();
  aggregationRound(view); // warm-up: compiled code, not the interpreter, is measured
  const rates: number[] = [];
  for (let round = 0; round < ROUNDS; round++) rates.push(aggregationRound(view));
  const result = {
    bench: 'candles',
    aggregation: {
      instruments: INSTRUMENTS,
      ticksPerRound: MINUTES * 60 * TICKS_PER_SECOND * INSTRUMENTS,
      ticksPerSecond: round(median(rates), 0),
      spread: spreadOf(rates.map((rate) => round(rate, 0))),
      target: 1_000_000,
    },
  };
  log(`aggregation: ${result.aggregation.ticksPerSecond} ticks/s`);
  return result;
}
