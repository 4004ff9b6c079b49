import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CANDLE_INTERVALS } from '../../shared/candle';
import { ALWAYS_OPEN, barEnd, barsBack, barStart, NSE_EQUITY_SESSION, SIM_SESSION } from '../../shared/market-session';

/** An instant given in IST on 2026-11-25 ("HH:MM:SS"). */
const ist = (time: string) => Date.parse(`2026-11-25T${time}+05:30`);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const start = (time: string, interval: Parameters<typeof barStart>[1]) => iso(barStart(ist(time), interval, NSE_EQUITY_SESSION));

test('bars align to the session open, not to the clock', () => {
  assert.equal(start('09:15:00', 'minute'), '2026-11-25T03:45:00.000Z');
  assert.equal(start('09:15:59.999', 'minute'), '2026-11-25T03:45:00.000Z');
  assert.equal(start('09:16:00', 'minute'), '2026-11-25T03:46:00.000Z');
  assert.equal(start('10:14:59', '60minute'), '2026-11-25T03:45:00.000Z', '60-minute bars start 09:15');
  assert.equal(start('10:15:00', '60minute'), '2026-11-25T04:45:00.000Z', '… then 10:15');
  assert.equal(start('15:29:59', '60minute'), '2026-11-25T09:45:00.000Z', 'the last starts 15:15');
  assert.equal(start('09:29:59', '15minute'), '2026-11-25T03:45:00.000Z');
  assert.equal(start('09:30:00', '15minute'), '2026-11-25T04:00:00.000Z');
  assert.equal(start('09:17:59', '3minute'), '2026-11-25T03:45:00.000Z');
  assert.equal(start('09:18:00', '3minute'), '2026-11-25T03:48:00.000Z');
  assert.equal(start('14:00:00', 'day'), '2026-11-25T03:45:00.000Z', 'the day bar is the session');
});

test('outside the session there is no bar', () => {
  for (const time of ['09:14:59.999', '15:30:00', '23:59:59', '00:00:00', '05:29:59']) {
    for (const interval of CANDLE_INTERVALS) assert.equal(start(time, interval), undefined, `${time} ${interval}`);
  }
});

test('a bar ends after its length or at the close, whichever is first', () => {
  const at = (time: string, interval: Parameters<typeof barStart>[1]) => {
    const s = barStart(ist(time), interval, NSE_EQUITY_SESSION)!;
    return (barEnd(s, interval, NSE_EQUITY_SESSION) - s) / 60_000;
  };
  assert.equal(at('09:15:00', 'minute'), 1);
  assert.equal(at('15:20:00', '60minute'), 15, '15:15–15:30');
  assert.equal(at('15:27:00', '10minute'), 5, 'the 375-minute session leaves a 5-minute last 10-minute bar');
  assert.equal(at('12:00:00', 'day'), 375);
});

test('the bars of every interval tile the session without gaps or overlaps', () => {
  for (const interval of CANDLE_INTERVALS) {
    let expected = barStart(ist('09:15:00'), interval, NSE_EQUITY_SESSION)!;
    for (let minute = 0; minute < 375; minute++) {
      const s = barStart(ist('09:15:00') + minute * 60_000, interval, NSE_EQUITY_SESSION)!;
      if (s !== expected) {
        assert.equal(s, barEnd(expected, interval, NSE_EQUITY_SESSION), `${interval} at minute ${minute}`);
        expected = s;
      }
    }
    assert.equal(barEnd(expected, interval, NSE_EQUITY_SESSION), ist('15:30:00'), `${interval} ends at the close`);
  }
});

test('a market always open has minute bars at every minute of the UTC day', () => {
  assert.equal(iso(barStart(Date.parse('2026-11-25T23:59:30Z'), 'minute', ALWAYS_OPEN)), '2026-11-25T23:59:00.000Z');
  assert.equal(iso(barStart(Date.parse('2026-11-25T23:59:30Z'), 'day', ALWAYS_OPEN)), '2026-11-25T00:00:00.000Z');
});

test('a weekday exchange has no bars on Saturday and Sunday', () => {
  const sat = Date.parse('2026-11-28T10:00:00+05:30');
  const sun = Date.parse('2026-11-29T10:00:00+05:30');
  const mon = Date.parse('2026-11-30T10:00:00+05:30');
  for (const interval of CANDLE_INTERVALS) {
    assert.equal(barStart(sat, interval, NSE_EQUITY_SESSION), undefined, `${interval} on Saturday`);
    assert.equal(barStart(sun, interval, NSE_EQUITY_SESSION), undefined, `${interval} on Sunday`);
    assert.notEqual(barStart(mon, interval, NSE_EQUITY_SESSION), undefined, `${interval} on Monday`);
  }
});

test('a session past midnight belongs to the day it opens: the simulated exchange trades 09:15 to 09:15', () => {
  const at = (instant: string, interval: Parameters<typeof barStart>[1]) => iso(barStart(Date.parse(instant), interval, SIM_SESSION));
  assert.equal(at('2026-11-26T02:00:00+05:30', 'day'), '2026-11-25T03:45:00.000Z', '02:00 is still the session opened 09:15 the day before');
  assert.equal(at('2026-11-26T09:14:59+05:30', '60minute'), '2026-11-26T02:45:00.000Z', 'the last hour starts 08:15');
  assert.equal(at('2026-11-26T09:15:00+05:30', 'day'), '2026-11-26T03:45:00.000Z', 'a new day at 09:15');
  assert.equal(at('2026-11-29T13:00:00+05:30', '60minute'), '2026-11-29T06:45:00.000Z', 'on Sunday too, at 12:15');
  const s = barStart(Date.parse('2026-11-26T02:00:00+05:30'), 'day', SIM_SESSION)!;
  assert.equal(barEnd(s, 'day', SIM_SESSION) - s, 24 * 60 * 60_000);
});

test('barsBack finds where the last N bars begin, skipping closed hours and weekends', () => {
  const mon1000 = Date.parse('2026-11-30T10:00:00+05:30');
  // Monday 09:15–10:00 holds 9 five-minute bars; the rest of 10 come from Friday's close.
  assert.equal(iso(barsBack(mon1000, '5minute', NSE_EQUITY_SESSION, 9)), '2026-11-30T03:45:00.000Z');
  assert.equal(iso(barsBack(mon1000, '5minute', NSE_EQUITY_SESSION, 10)), '2026-11-27T09:55:00.000Z', 'Friday 15:25');
  assert.equal(iso(barsBack(mon1000 + 60_000, '5minute', NSE_EQUITY_SESSION, 1)), '2026-11-30T04:30:00.000Z', 'the forming bar counts');
  // The 10-minute grid leaves a 5-minute last bar (15:25–15:30), which counts as one.
  assert.equal(iso(barsBack(mon1000, '10minute', NSE_EQUITY_SESSION, 6)), '2026-11-27T09:55:00.000Z');
  assert.equal(iso(barsBack(mon1000, 'day', NSE_EQUITY_SESSION, 3)), '2026-11-26T03:45:00.000Z', 'Mon, Fri, Thu');
  // Every bar the walk counts is a real bar start.
  for (const interval of CANDLE_INTERVALS) {
    const from = barsBack(mon1000, interval, NSE_EQUITY_SESSION, 200);
    assert.equal(barStart(from, interval, NSE_EQUITY_SESSION), from, `${interval}: ${iso(from)} starts a bar`);
  }
});
