import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MinuteRow } from '../../../agent/candles/candle-store';
import { MinuteBlock } from '../../../agent/candles/minute-block';
import { barAt, resample as resampleBlock, type Bar } from '../../../agent/candles/resample';
import { CANDLE_INTERVALS } from '../../../shared/candle';
import { barEnd, barStart, type MarketSession, NSE_EQUITY_SESSION } from '../../../shared/market-session';

/** Rows in, bars out as objects. */
function resample(rows: MinuteRow[], interval: Parameters<typeof resampleBlock>[1], session: MarketSession): Bar[] {
  const bars = resampleBlock(MinuteBlock.fromRows(rows), interval, session);
  return Array.from({ length: bars.length }, (_, i) => barAt(bars, i));
}

/** Epoch minute of an IST time on 2026-11-25 ("HH:MM"). */
const m = (time: string, date = '2026-11-25') => Date.parse(`${date}T${time}:00+05:30`) / 60_000;
const istOf = (ms: number) => new Date(ms + 330 * 60_000).toISOString().slice(11, 16);
const row = (time: string, o: number, h: number, l: number, c: number, v: number, oi: number | null = null): MinuteRow => [m(time), o, h, l, c, v, oi];

test('minutes into 5-minute bars by hand: a missing minute, the open and the close of the session', () => {
  const rows = [
    row('09:15', 100, 102, 99, 101, 10),
    row('09:16', 101, 103, 100, 102, 20),
    // 09:17 missing
    row('09:18', 102, 102, 98, 99, 5),
    row('09:19', 99, 100, 97, 100, 1),
    row('09:20', 100, 101, 100, 101, 7),
    row('15:29', 110, 111, 109, 110, 3),
  ];
  const bars = resample(rows, '5minute', NSE_EQUITY_SESSION).map((b) => [istOf(b.start), b.open, b.high, b.low, b.close, b.volume]);
  assert.deepEqual(bars, [
    ['09:15', 100, 103, 97, 100, 36],
    ['09:20', 100, 101, 100, 101, 7],
    ['15:25', 110, 111, 109, 110, 3],
  ]);
});

test('60-minute bars start 09:15, 10:15, …; the last is 15:15–15:30; the day bar is the session', () => {
  const rows: MinuteRow[] = [];
  for (let minute = 0; minute < 375; minute++) {
    const start = m('09:15') + minute;
    rows.push([start, 1000 + minute, 1000 + minute + 0.5, 1000 + minute - 0.5, 1000 + minute + 0.25, 1, minute]);
  }
  const hours = resample(rows, '60minute', NSE_EQUITY_SESSION);
  assert.deepEqual(hours.map((b) => istOf(b.start)), ['09:15', '10:15', '11:15', '12:15', '13:15', '14:15', '15:15']);
  assert.deepEqual(hours.map((b) => b.volume), [60, 60, 60, 60, 60, 60, 15]);
  assert.deepEqual(hours[1], { start: m('10:15') * 60_000, open: 1060, high: 1119.5, low: 1059.5, close: 1119.25, volume: 60, oi: 119 });
  const [day] = resample(rows, 'day', NSE_EQUITY_SESSION);
  assert.deepEqual(day, { start: m('09:15') * 60_000, open: 1000, high: 1374.5, low: 999.5, close: 1374.25, volume: 375, oi: 374 });
  // Every interval: bars tile the session, each bar's minutes are the ones it spans.
  for (const interval of CANDLE_INTERVALS) {
    const bars = resample(rows, interval, NSE_EQUITY_SESSION);
    assert.equal(bars.reduce((sum, b) => sum + b.volume, 0), 375, `${interval}: every minute counted once`);
    for (const bar of bars) {
      assert.equal(barStart(bar.start, interval, NSE_EQUITY_SESSION), bar.start, `${interval} ${istOf(bar.start)} is aligned`);
      assert.equal(bar.volume, (barEnd(bar.start, interval, NSE_EQUITY_SESSION) - bar.start) / 60_000, `${interval} ${istOf(bar.start)} spans its minutes`);
    }
  }
});

test('minutes outside the session make no bar; days stay apart; open interest is the last one known', () => {
  const rows = [
    row('09:10', 1, 1, 1, 1, 1), // before the open
    row('15:29', 100, 100, 100, 100, 1, 50),
    row('15:30', 2, 2, 2, 2, 1), // at the close
    [m('09:15', '2026-11-26'), 105, 106, 104, 105, 2, null] as MinuteRow,
    [m('09:16', '2026-11-26'), 105, 107, 105, 106, 2, 60] as MinuteRow,
    [m('09:17', '2026-11-26'), 106, 106, 106, 106, 2, null] as MinuteRow,
  ];
  const days = resample(rows, 'day', NSE_EQUITY_SESSION).map((b) => [new Date(b.start).toISOString().slice(0, 10), b.open, b.close, b.volume, b.oi]);
  assert.deepEqual(days, [
    ['2026-11-25', 100, 100, 1, 50],
    ['2026-11-26', 105, 106, 6, 60],
  ]);
});
