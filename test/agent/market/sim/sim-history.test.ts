import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PriceProcess, createPacketFields, tradingDay, tradingDayStart } from '../../../../agent/market/sim/price-process';
import { ANCHOR_DAY, SimHistory, type SimMinute } from '../../../../agent/market/sim/sim-history';
import { buildUniverse } from '../../../../agent/market/sim/universe';
import { roundToTick } from '../../../../shared/instrument';

const universe = buildUniverse({ generated: 20 });
const bySymbol = (symbol: string) => universe.find((i) => i.tradingsymbol === symbol)!;
const stocks = universe.filter((i) => i.tradable && !i.tradingsymbol.startsWith('SIM'));
const MINUTE = 60_000;
const DAY = 86_400_000;
// 2026-01-05 09:15 IST (03:45 UTC): a trading day's start.
const OPEN = Date.UTC(2026, 0, 5, 3, 45);
const OPEN_DAY = tradingDay(OPEN);

function onGrid(price: number, tick: number): boolean {
  return roundToTick(price, tick) === price;
}

test('the same seed gives the same minutes, another seed others, and a range in two parts equals the whole', () => {
  const from = OPEN - 2 * DAY + 17 * MINUTE + 30_000; // not minute-aligned: the first minute is the next one
  const to = OPEN + DAY + 5 * MINUTE;
  for (const instrument of [bySymbol('INFY'), bySymbol('NIFTY 50'), bySymbol('SIM0003')]) {
    const whole = new SimHistory(7).minutes(instrument, from, to);
    assert.equal(whole.length, Math.round((to - (from + 30_000)) / MINUTE));
    whole.forEach((m, k) => assert.equal(m.time, from + 30_000 + k * MINUTE));
    assert.deepEqual(new SimHistory(7).minutes(instrument, from, to), whole);
    assert.notDeepEqual(new SimHistory(8).minutes(instrument, from, to), whole);

    // Random access: another instrument and a later range asked first change nothing.
    const history = new SimHistory(7);
    history.minutes(bySymbol('TCS'), OPEN + 30 * DAY, OPEN + 31 * DAY);
    const middle = OPEN - 12_345_678;
    const parts = [...history.minutes(instrument, middle, to), ...history.minutes(instrument, from, middle)];
    parts.sort((a, b) => a.time - b.time);
    assert.deepEqual(parts, whole);
  }
  assert.deepEqual(new SimHistory(7).minutes(bySymbol('INFY'), OPEN, OPEN), []);
  assert.deepEqual(new SimHistory(7).minutes(bySymbol('INFY'), OPEN + 1, OPEN + MINUTE), []);
});

test('every minute is a well-formed candle on the tick grid, and opens at the last close', () => {
  const history = new SimHistory(3);
  const picks = ['INFY', 'MARUTI', 'ULTRACEMCO', 'TATASTEEL', 'ETERNAL', 'SIM0001', 'SIM0007', 'NIFTY 50', 'NIFTY BANK'].map(bySymbol);
  for (const instrument of picks) {
    const tick = instrument.tickSize;
    const minutes = history.minutes(instrument, OPEN - 3 * DAY, OPEN + DAY / 2);
    let previous: SimMinute | undefined;
    for (const m of minutes) {
      const where = `${instrument.id} at ${new Date(m.time).toISOString()}`;
      for (const price of [m.open, m.high, m.low, m.close]) assert.ok(onGrid(price, tick), `${price} off grid: ${where}`);
      assert.ok(m.high >= Math.max(m.open, m.close) && m.low <= Math.min(m.open, m.close), where);
      assert.ok(m.low >= (instrument.tradable ? 11 : 1) * tick - 1e-9, where);
      if (instrument.tradable) assert.ok(Number.isInteger(m.volume) && m.volume >= 1, `volume ${m.volume}: ${where}`);
      else assert.equal(m.volume, 0, where);
      if (previous && tradingDay(previous.time) === tradingDay(m.time)) assert.equal(m.open, previous.close, where);
      previous = m;
    }
    // Minutes reach beyond their open and close now and then, and the price does move.
    assert.ok(minutes.some((m) => m.high > Math.max(m.open, m.close)), instrument.id);
    assert.ok(new Set(minutes.map((m) => m.close)).size > 50, `${instrument.id} hardly moves`);
  }
});

test('a day ends on its walked close; the next opens near it; minute moves have the live process size', () => {
  const history = new SimHistory(5);
  const instrument = bySymbol('INFY');
  const minutes = history.minutes(instrument, OPEN - 4 * DAY, OPEN + DAY);
  let squares = 0;
  let expected = 0;
  const minuteSigma = instrument.annualVolatility / Math.sqrt(252 * 375);
  for (let day = OPEN_DAY - 4; day <= OPEN_DAY; day++) {
    const ofDay = minutes.filter((m) => tradingDay(m.time) === day);
    assert.equal(ofDay.length, 1440);
    assert.equal(ofDay[0]!.time, tradingDayStart(day));
    assert.equal(ofDay.at(-1)!.close, history.dayClose(instrument, day));
    // The opening gap is about a third of a day's σ: never a jump of 10 %.
    const gap = Math.log(ofDay[0]!.open / history.dayClose(instrument, day - 1));
    assert.ok(Math.abs(gap) < 0.1, `gap ${gap}`);
    for (let i = 1; i < ofDay.length; i++) squares += Math.log(ofDay[i]!.close / ofDay[i - 1]!.close) ** 2;
    expected += 1439 * minuteSigma ** 2; // the profile's weight averages about 1 over a day
  }
  const ratio = squares / expected;
  assert.ok(ratio > 0.6 && ratio < 1.6, `realised minute variance is ${ratio.toFixed(2)} × the live process's`);
});

test('daily closes walk around the base price: pinned on the anchor day, within a factor of 3 for years', () => {
  const history = new SimHistory(1);
  for (const instrument of [...stocks, bySymbol('NIFTY 50'), bySymbol('NIFTY BANK')]) {
    assert.equal(history.dayClose(instrument, ANCHOR_DAY), instrument.basePrice, instrument.id);
    // Ten years out either way a free walk would have drifted about ±100 %; this one is pulled back.
    for (const day of [ANCHOR_DAY - 3650, ANCHOR_DAY + 3650]) {
      const close = history.dayClose(instrument, day);
      assert.ok(close > instrument.basePrice / 3 && close < instrument.basePrice * 3, `${instrument.id} closed at ${close} on day ${day}`);
    }
    const closes: number[] = [];
    for (let day = ANCHOR_DAY - 365; day <= ANCHOR_DAY + 365; day++) closes.push(history.dayClose(instrument, day));
    for (const close of closes) {
      assert.ok(close > instrument.basePrice / 3 && close < instrument.basePrice * 3, `${instrument.id} closed at ${close}`);
    }
    // It is a walk of the promised size, not a flat line: daily log moves of about σ / √252.
    const moves = closes.slice(1).map((close, k) => Math.log(close / closes[k]!));
    const sigma = Math.sqrt(moves.reduce((sum, x) => sum + x * x, 0) / moves.length);
    const ratio = sigma / (instrument.annualVolatility / Math.sqrt(252));
    assert.ok(ratio > 0.85 && ratio < 1.15, `${instrument.id}: daily σ is ${ratio.toFixed(2)} × the promised`);
  }
});

test('a start state sums up the history, and the live process carries on from it', () => {
  const history = new SimHistory(9);
  const start = OPEN + 5 * 3_600_000 + 7 * MINUTE;
  for (const instrument of [bySymbol('INFY'), bySymbol('BAJAJ-AUTO'), bySymbol('SIM0002'), bySymbol('NIFTY 50')]) {
    const state = history.startState(instrument, start);
    const today = history.minutes(instrument, OPEN, start);
    assert.equal(state.time, start);
    assert.equal(state.day, OPEN_DAY);
    assert.equal(state.lastPrice, today.at(-1)!.close);
    assert.equal(state.open, today[0]!.open);
    assert.equal(state.high, Math.max(...today.map((m) => m.high)));
    assert.equal(state.low, Math.min(...today.map((m) => m.low)));
    assert.equal(state.volume, today.reduce((sum, m) => sum + m.volume, 0));
    assert.equal(state.previousClose, history.dayClose(instrument, OPEN_DAY - 1));

    const process = new PriceProcess(instrument, 9, state);
    const out = createPacketFields();
    process.step(start + 1000, out);
    const where = instrument.id;
    // One second of the live process: far less than 0.1 % (its σ is about 0.02 %).
    assert.ok(Math.abs(out.lastPrice - state.lastPrice) <= 0.001 * state.lastPrice + instrument.tickSize, `${where}: ${state.lastPrice} → ${out.lastPrice}`);
    assert.equal(out.close, state.previousClose, where);
    assert.equal(out.open, state.open, where);
    assert.ok(out.high >= state.high && out.low <= state.low, where);
    assert.equal(out.exchangeTimestamp, (start + 1000) / 1000, where);
    if (instrument.tradable) {
      assert.ok(out.volume > state.volume, where);
      assert.ok(out.averagePrice >= state.low && out.averagePrice <= state.high, `${where}: average ${out.averagePrice}`);
    } else assert.equal(out.volume, 0, where);

    // The next trading day rolls over as it always does: the live last price becomes the close.
    process.step(start + 60_000, out);
    const lastOfDay = out.lastPrice;
    process.step(tradingDayStart(OPEN_DAY + 1) + 1000, out);
    assert.equal(out.close, lastOfDay, where);
    assert.ok(out.open === out.lastPrice && out.high === out.open && out.low === out.open, `${where}: a fresh day range`);
  }
});

test('a start at 09:15 IST resumes a finished day, and the first step opens the next', () => {
  const history = new SimHistory(2);
  const instrument = bySymbol('RELIANCE');
  const state = history.startState(instrument, OPEN);
  const yesterday = history.minutes(instrument, OPEN - DAY, OPEN);
  assert.equal(state.day, OPEN_DAY - 1);
  assert.equal(state.lastPrice, history.dayClose(instrument, OPEN_DAY - 1));
  assert.equal(state.previousClose, history.dayClose(instrument, OPEN_DAY - 2));
  assert.equal(state.open, yesterday[0]!.open);
  assert.equal(state.volume, yesterday.reduce((sum, m) => sum + m.volume, 0));

  const out = createPacketFields();
  new PriceProcess(instrument, 2, state).step(OPEN + 1000, out);
  assert.equal(out.close, state.lastPrice);
  assert.equal(out.open, out.lastPrice);
  assert.ok(out.volume < state.volume / 1000, 'the day volume starts over');
});

test('bad ranges and start times are refused', () => {
  const history = new SimHistory(1);
  const infy = bySymbol('INFY');
  assert.throws(() => history.minutes(infy, OPEN, OPEN + 400 * DAY + 1), RangeError);
  assert.throws(() => history.minutes(infy, 0, Date.UTC(2030, 0, 1)), RangeError);
  assert.throws(() => history.minutes(infy, Number.NaN, OPEN), RangeError);
  assert.throws(() => history.startState(infy, OPEN + 1), RangeError);
  assert.throws(() => history.startState(infy, Date.UTC(2200, 0, 1)), RangeError, 'beyond the century it covers');
  assert.equal(history.minutes(infy, OPEN, OPEN + 2 * DAY).length, 2880, 'smaller ranges are served');
});
