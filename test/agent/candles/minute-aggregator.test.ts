import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MinuteAggregator, type MinuteCandle } from '../../../agent/candles/minute-aggregator';
import { NSE_EQUITY_SESSION } from '../../../shared/market-session';

const INFY = 408065;
const TCS = 2953217;
/** An instant in IST on 2026-11-25 ("HH:MM:SS.mmm"). */
const ist = (time: string) => Date.parse(`2026-11-25T${time}+05:30`);

function aggregator() {
  const closed: MinuteCandle[] = [];
  // Silences of up to two minutes count as quiet trading, not a broken feed.
  const agg = new MinuteAggregator({ sessionOf: () => NSE_EQUITY_SESSION, closed: (c) => closed.push(c), maxGapMs: 120_000 });
  /** The closed candles as [IST minute, open, high, low, close, volume, oi]. */
  const rows = () =>
    closed.map((c) => [new Date(c.start + 330 * 60_000).toISOString().slice(11, 16), c.open, c.high, c.low, c.close, c.volume, c.oi]);
  return { agg, closed, rows };
}

test('ticks become minute candles: open, high, low, close, volume from the day volume, last OI', () => {
  const { agg, rows } = aggregator();
  agg.add(INFY, 1500, 10_000, 7, ist('09:15:00.100')); // the first tick sets the volume base
  agg.add(INFY, 1502.5, 10_040, 8, ist('09:15:20'));
  agg.add(INFY, 1499, 10_100, 9, ist('09:15:59.999'));
  agg.add(INFY, 1501, 10_130, 9, ist('09:16:00'));
  agg.add(INFY, 1503, 10_150, 9, ist('09:16:30'));
  // 09:17 has no tick: no candle. 09:18 closes 09:16.
  agg.add(INFY, 1504, 10_200, 10, ist('09:18:05'));
  assert.deepEqual(rows(), [
    ['09:15', 1500, 1502.5, 1499, 1499, 100, 9],
    ['09:16', 1501, 1503, 1501, 1503, 50, 9],
  ]);
  agg.closeDue(ist('09:19:00'));
  assert.deepEqual(rows().at(-1), ['09:18', 1504, 1504, 1504, 1504, 50, 10]);
  assert.equal(agg.counters.accepted, 6);
});

test('instruments are apart; a quiet one closes on time', () => {
  const { agg, rows } = aggregator();
  agg.add(INFY, 100, 0, 0, ist('10:00:01'));
  agg.add(TCS, 200, 0, 0, ist('10:00:02'));
  agg.closeDue(ist('10:00:59.999'));
  assert.deepEqual(rows(), [], 'not before the minute is over');
  assert.deepEqual(agg.forming(TCS), { token: TCS, start: ist('10:00:00'), open: 200, high: 200, low: 200, close: 200, volume: 0, oi: 0, ticks: 1, complete: false, completeSince: -1 });
  agg.closeDue(ist('10:01:00'));
  assert.deepEqual(rows().map((r) => r[1]).sort(), [100, 200]);
  assert.equal(agg.forming(TCS), undefined);
});

test('bad, late, repeated and out-of-session ticks are dropped and counted; a day volume that goes back restarts the count', () => {
  const { agg, rows } = aggregator();
  agg.add(INFY, 100, 1_000, 0, ist('09:14:59')); // pre-open: no candle, but sets the volume base
  agg.add(INFY, 101, 1_010, 0, ist('09:15:10'));
  for (const bad of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) agg.add(INFY, bad, 1_020, 0, ist('09:15:20'));
  agg.add(INFY, 101, 1_010, 0, ist('09:15:10')); // a repeat of the last tick
  agg.add(INFY, 102, 1_030, 0, ist('09:16:00'));
  agg.add(INFY, 250, 9_999, 0, ist('09:15:30')); // late: 09:15 is closed
  agg.add(INFY, 103, 500, 0, ist('09:16:10')); // the day volume went back
  agg.add(INFY, 104, 520, 0, ist('09:16:20'));
  agg.add(INFY, 104, 530, 0, ist('15:30:00')); // after the close
  agg.closeDue(ist('23:00:00'));
  assert.deepEqual(rows(), [
    ['09:15', 101, 101, 101, 101, 10, 0],
    ['09:16', 102, 104, 102, 104, 20 + 20, 0],
  ]);
  assert.deepEqual(agg.counters, { accepted: 4, badPrice: 4, outOfOrder: 1, duplicate: 1, outsideSession: 2, volumeBackwards: 1 });
});

test('LTP ticks (no volume) still make OHLC, with volume 0', () => {
  const { agg, rows } = aggregator();
  for (const [price, time] of [[10, '11:00:01'], [12, '11:00:02'], [9, '11:00:03'], [11, '11:00:04']] as const) agg.add(INFY, price, 0, 0, ist(time));
  agg.closeDue(ist('11:01:00'));
  assert.deepEqual(rows(), [['11:00', 10, 12, 9, 11, 0, 0]]);
});

test('forgetting an instrument closes its minute and its next tick starts afresh', () => {
  const { agg, rows } = aggregator();
  agg.add(INFY, 100, 1_000, 0, ist('12:00:01'));
  agg.add(INFY, 101, 1_050, 0, ist('12:00:02'));
  agg.forget(INFY);
  assert.deepEqual(rows(), [['12:00', 100, 101, 100, 101, 50, 0]]);
  agg.add(INFY, 102, 1_100, 0, ist('12:01:00'));
  agg.closeDue(ist('12:02:00'));
  assert.deepEqual(rows().at(-1), ['12:01', 102, 102, 102, 102, 0, 0], 'a fresh base: the first tick again only sets it');
});

test('a minute is complete only when ticks ran without a long break from before it began', () => {
  const closed: MinuteCandle[] = [];
  const agg = new MinuteAggregator({ sessionOf: () => NSE_EQUITY_SESSION, closed: (c) => closed.push(c), maxGapMs: 30_000 });
  const complete = () => closed.map((c) => [new Date(c.start + 330 * 60_000).toISOString().slice(11, 16), c.complete]);
  agg.add(INFY, 100, 0, 0, ist('10:00:40')); // started mid-minute: 10:00 misses its first 40 s
  agg.add(INFY, 101, 0, 0, ist('10:01:05'));
  agg.add(INFY, 102, 0, 0, ist('10:01:30'));
  agg.add(INFY, 102.5, 0, 0, ist('10:01:55'));
  agg.add(INFY, 103, 0, 0, ist('10:02:10'));
  agg.add(INFY, 104, 0, 0, ist('10:03:50')); // 100 s of silence: 10:02 and 10:03 may have missed trades
  agg.add(INFY, 105, 0, 0, ist('10:04:10'));
  agg.add(INFY, 105.5, 0, 0, ist('10:04:35'));
  agg.add(INFY, 106, 0, 0, ist('10:05:00'));
  assert.deepEqual(complete(), [
    ['10:00', false],
    ['10:01', true],
    ['10:02', false],
    ['10:03', false],
    ['10:04', true],
  ]);
});

test('after a long silence the day volume is a new base: what traded unseen belongs to no minute', () => {
  const { agg, rows } = aggregator(); // silences over two minutes break the feed
  agg.add(INFY, 100, 1_000, 0, ist('10:00:10'));
  agg.add(INFY, 101, 1_010, 0, ist('10:00:20'));
  agg.add(INFY, 102, 101_010, 0, ist('10:05:00')); // five minutes of silence, 100,000 traded meanwhile
  agg.add(INFY, 103, 101_015, 0, ist('10:05:30'));
  agg.closeDue(ist('10:06:00'));
  assert.deepEqual(rows().map((r) => [r[0], r[5]]), [['10:00', 10], ['10:05', 5]], 'not 100,005 in the 10:05 minute');
});

test('a minute closed by the clock is not complete: the feed may have stopped inside it', () => {
  const closed: MinuteCandle[] = [];
  const agg = new MinuteAggregator({ sessionOf: () => NSE_EQUITY_SESSION, closed: (c) => closed.push(c) });
  for (let s = 0; s <= 125; s += 5) agg.add(INFY, 100 + s, s, 0, ist('09:58:00') + s * 1000); // to 10:00:05, then nothing
  agg.closeDue(ist('10:01:00'));
  assert.deepEqual(closed.map((c) => c.complete), [false, true, false], '09:58 began unseen, 09:59 was closed by a tick of 10:00, 10:00 by the clock');
});
