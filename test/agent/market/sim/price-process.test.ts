import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  PriceProcess,
  SeededRandom,
  createPacketFields,
  sessionPosition,
  tickPricer,
  tradingDay,
  volumeProfile,
} from '../../../../agent/market/sim/price-process';
import { buildUniverse, type SimInstrument } from '../../../../agent/market/sim/universe';
import { roundToTick } from '../../../../shared/instrument';
import type { PacketFields } from '../../../../shared/kite-packet';

const universe = buildUniverse({ generated: 50 });
const bySymbol = (symbol: string) => universe.find((i) => i.tradingsymbol === symbol)!;
// 2026-01-05 09:15 IST (03:45 UTC): a session's open.
const OPEN = Date.UTC(2026, 0, 5, 3, 45);

function run(instrument: SimInstrument, seed: number, times: number[]): PacketFields[] {
  const process = new PriceProcess(instrument, seed);
  const out = createPacketFields();
  return times.map((time) => {
    process.step(time, out);
    return structuredClone(out);
  });
}

function stepTimes(count: number, seed = 1, start = OPEN): number[] {
  const random = new SeededRandom(seed);
  const times: number[] = [];
  let time = start;
  for (let i = 0; i < count; i++) times.push((time += 20 + random.next() * 2000));
  return times;
}

function onGrid(price: number, tick: number): boolean {
  return roundToTick(price, tick) === price;
}

test('the PRNG is reproducible and its normals look standard', () => {
  const a = new SeededRandom(42);
  const b = new SeededRandom(42);
  const xs = Array.from({ length: 20_000 }, () => a.normal());
  assert.deepEqual(Array.from({ length: 20_000 }, () => b.normal()), xs);
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
  assert.ok(Math.abs(mean) < 0.03, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 0.05, `variance ${variance}`);
  const u = new SeededRandom(1);
  for (let i = 0; i < 1000; i++) {
    const x = u.next();
    assert.ok(x >= 0 && x < 1);
  }
});

test('same seed, instrument and step times give identical output; another seed differs', () => {
  const times = stepTimes(500);
  for (const instrument of [bySymbol('INFY'), bySymbol('NIFTY 50')]) {
    const first = run(instrument, 7, times);
    assert.deepEqual(run(instrument, 7, times), first);
    assert.notDeepEqual(run(instrument, 8, times), first);
  }
});

test('fill() reports the state without moving the market', () => {
  const times = stepTimes(100);
  const plain = run(bySymbol('TCS'), 3, times);
  const process = new PriceProcess(bySymbol('TCS'), 3);
  const out = createPacketFields();
  const snapshot = createPacketFields();
  times.forEach((time, i) => {
    process.step(time, out);
    process.fill(snapshot);
    assert.deepEqual(snapshot, out);
    assert.deepEqual(out, plain[i]);
  });
});

test('tickPricer agrees with roundToTick on every tick size in use', () => {
  for (const tick of [0.01, 0.05, 0.1, 0.5, 1, 5, 0.0025, 0.25]) {
    const price = tickPricer(tick);
    for (let steps = 0; steps < 30_000; steps += 7) assert.equal(price(steps), roundToTick(steps * tick, tick), `${tick} × ${steps}`);
  }
  assert.throws(() => tickPricer(0), RangeError);
});

test('prices, OHLC, depth and volume stay consistent over a long run', () => {
  const picks = ['INFY', 'TATASTEEL', 'MARUTI', 'BAJAJ-AUTO', 'SIM0007', 'NIFTY 50'].map(bySymbol);
  for (const instrument of picks) {
    const tick = instrument.tickSize;
    const ticks = run(instrument, 11, stepTimes(2000, 5));
    let volume = 0;
    for (const f of ticks) {
      const where = `${instrument.id} at ${f.exchangeTimestamp}`;
      for (const price of [f.lastPrice, f.open, f.high, f.low]) assert.ok(onGrid(price, tick), `${price} off grid: ${where}`);
      assert.ok(f.high >= f.open && f.high >= f.lastPrice && f.low <= f.open && f.low <= f.lastPrice, where);
      assert.equal(f.close, instrument.basePrice);
      assert.equal(f.token, instrument.token);
      if (!instrument.tradable) {
        assert.equal(f.volume, 0);
        assert.ok(f.depth.every((d) => d.price === 0 && d.quantity === 0));
        continue;
      }
      assert.ok(f.volume > volume, `volume must rise with each trade: ${where}`);
      assert.ok(f.lastQuantity >= 1 && f.lastQuantity <= f.volume - volume, where);
      volume = f.volume;
      assert.ok(f.averagePrice >= f.low - 0.01 && f.averagePrice <= f.high + 0.01, where);
      const bids = f.depth.slice(0, 5);
      const asks = f.depth.slice(5);
      for (let i = 1; i < 5; i++) {
        assert.ok(bids[i]!.price < bids[i - 1]!.price && asks[i]!.price > asks[i - 1]!.price, where);
      }
      assert.ok(bids[0]!.price < asks[0]!.price, where);
      assert.ok(f.lastPrice === bids[0]!.price || f.lastPrice === asks[0]!.price, where);
      for (const level of f.depth) {
        assert.ok(onGrid(level.price, tick) && level.price > 0, where);
        assert.ok(level.quantity > 0 && level.orders >= 1 && level.orders <= 0x7fff, where);
      }
      assert.ok(f.totalBuyQuantity > 0 && f.totalSellQuantity > 0, where);
      assert.equal(f.lastTradeTime, f.exchangeTimestamp);
    }
  }
});

test('prices move, with a plausible size of move', () => {
  const ticks = run(bySymbol('RELIANCE'), 2, stepTimes(3000, 9));
  const prices = new Set(ticks.map((f) => f.lastPrice));
  assert.ok(prices.size > 20, `only ${prices.size} distinct prices`);
  const last = ticks.at(-1)!.lastPrice;
  assert.ok(Math.abs(Math.log(last / 1500)) < 0.2, `RELIANCE went to ${last} in under two hours`);
});

test('a new trading day opens at 09:15 IST with the last price as the previous close', () => {
  const process = new PriceProcess(bySymbol('SBIN'), 4);
  const out = createPacketFields();
  process.step(OPEN + 3_600_000, out);
  process.step(OPEN + 7_200_000, out);
  const lastOfDay = out.lastPrice;
  const dayVolume = out.volume;
  assert.equal(out.close, bySymbol('SBIN').basePrice);
  process.step(OPEN + 86_400_000 + 1000, out);
  assert.equal(out.close, lastOfDay);
  assert.ok(out.open === out.lastPrice && out.high === out.open && out.low === out.open, 'a fresh day range');
  assert.ok(out.volume > 0 && out.volume < dayVolume / 100, `volume restarts with the day: ${out.volume}`);
  assert.equal(tradingDay(OPEN + 86_400_000 - 1), tradingDay(OPEN));
  assert.equal(tradingDay(OPEN + 86_400_000), tradingDay(OPEN) + 1);
});

test('the session clock and the U-shaped volume profile', () => {
  assert.equal(sessionPosition(OPEN), 0);
  assert.equal(sessionPosition(OPEN + 187.5 * 60_000), 0.5);
  assert.equal(sessionPosition(OPEN + 375 * 60_000), 0, 'after 15:30 the session starts over');
  assert.equal(sessionPosition(OPEN + 3 * 86_400_000), 0, 'every day, 09:15 IST is the open');
  assert.ok(Math.abs(sessionPosition(OPEN - 60_000) - 374 / 375) < 1e-9);
  assert.ok(Math.abs(volumeProfile(0) - 2.2) < 1e-9 && Math.abs(volumeProfile(0.5) - 0.4) < 1e-9);
  let sum = 0;
  for (let i = 0; i < 1000; i++) sum += volumeProfile((i + 0.5) / 1000);
  assert.ok(Math.abs(sum / 1000 - 1) < 1e-3, 'the profile averages 1 over the session');
});

test('market time never runs backwards', () => {
  const process = new PriceProcess(bySymbol('ITC'), 5);
  const out = createPacketFields();
  process.step(OPEN + 60_000, out);
  const { exchangeTimestamp, volume } = out;
  process.step(OPEN + 1000, out); // the wall clock stepped back a minute
  assert.equal(out.exchangeTimestamp, exchangeTimestamp);
  assert.ok(out.volume > volume);
});
