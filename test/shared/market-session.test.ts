import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CANDLE_INTERVALS } from '../../shared/candle';
import { ALWAYS_OPEN, barEnd, barStart, NSE_EQUITY_SESSION } from '../../shared/market-session';

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
