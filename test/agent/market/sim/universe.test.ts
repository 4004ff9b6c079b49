import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GENERATED_EXCHANGE_TOKEN_BASE, buildUniverse, nseTickSize } from '../../../../agent/market/sim/universe';
import { INDEX_SEGMENT, parseInstrumentId, roundToTick, tokenSegment } from '../../../../shared/instrument';

test('50 NIFTY stocks and 2 indices with well-formed ids and unique tokens', () => {
  const universe = buildUniverse({});
  assert.equal(universe.length, 52);
  const stocks = universe.filter((i) => i.tradable);
  const indices = universe.filter((i) => !i.tradable);
  assert.equal(stocks.length, 50);
  assert.deepEqual(indices.map((i) => [i.id, i.token]), [['NSE:NIFTY 50', 256265], ['NSE:NIFTY BANK', 260105]]);
  assert.equal(new Set(universe.map((i) => i.token)).size, 52);
  assert.equal(new Set(universe.map((i) => i.id)).size, 52);
  for (const instrument of universe) {
    assert.deepEqual(parseInstrumentId(instrument.id), { exchange: instrument.exchange, tradingsymbol: instrument.tradingsymbol });
    assert.equal(instrument.exchange, 'NSE');
    assert.ok(instrument.basePrice > 0 && instrument.annualVolatility > 0, instrument.id);
    assert.equal(roundToTick(instrument.basePrice, instrument.tickSize), instrument.basePrice, instrument.id);
  }
});

test('stocks are NSE equities and indices are segment 9, as Kite lists them', () => {
  for (const instrument of buildUniverse({})) {
    if (instrument.tradable) {
      assert.equal(tokenSegment(instrument.token), 1, instrument.id);
      assert.equal(instrument.segment, 'NSE');
      assert.equal(instrument.instrumentType, 'EQ');
      assert.equal(instrument.lotSize, 1);
      assert.equal(instrument.tickSize, nseTickSize(instrument.basePrice), instrument.id);
      assert.ok(instrument.dailyVolume > 0, instrument.id);
    } else {
      assert.equal(tokenSegment(instrument.token), INDEX_SEGMENT, instrument.id);
      assert.equal(instrument.segment, 'INDICES');
      assert.equal(instrument.instrumentType, 'EQ');
      assert.equal(instrument.lotSize, 0);
      assert.equal(instrument.dailyVolume, 0);
    }
  }
});

test('real Kite tokens for well-known stocks', () => {
  const byId = new Map(buildUniverse({}).map((i) => [i.id, i.token]));
  const known: Record<string, number> = {
    'NSE:INFY': 408065, 'NSE:RELIANCE': 738561, 'NSE:TCS': 2953217, 'NSE:HDFCBANK': 341249,
    'NSE:ICICIBANK': 1270529, 'NSE:SBIN': 779521, 'NSE:ITC': 424961, 'NSE:M&M': 519937,
    'NSE:BAJAJ-AUTO': 4267265,
  };
  for (const [id, token] of Object.entries(known)) assert.equal(byId.get(id), token, id);
});

test('generated instruments: NSE:SIM0001…, deterministic, never colliding', () => {
  const ten = buildUniverse({ generated: 10 });
  assert.equal(ten.length, 62);
  assert.deepEqual(ten.slice(52).map((i) => i.id).slice(0, 3), ['NSE:SIM0001', 'NSE:SIM0002', 'NSE:SIM0003']);
  assert.deepEqual(buildUniverse({ generated: 10 }), ten);

  const all = buildUniverse({ generated: 9000 });
  assert.equal(all.length, 9052);
  assert.equal(all.at(-1)!.id, 'NSE:SIM9000');
  assert.deepEqual(all.slice(0, 62), ten, 'a larger N extends the same list');
  assert.equal(new Set(all.map((i) => i.token)).size, all.length);
  assert.equal(new Set(all.map((i) => i.id)).size, all.length);
  for (const instrument of all.slice(52)) {
    assert.equal(tokenSegment(instrument.token), 1);
    assert.ok(instrument.token >> 8 > GENERATED_EXCHANGE_TOKEN_BASE && instrument.token <= 0x7fffffff);
    assert.ok(parseInstrumentId(instrument.id));
    assert.equal(roundToTick(instrument.basePrice, instrument.tickSize), instrument.basePrice);
    assert.equal(instrument.tickSize, nseTickSize(instrument.basePrice), instrument.id);
    assert.ok(instrument.basePrice >= 20 && instrument.basePrice <= 5000, instrument.id);
  }
  const ticks = new Set(all.slice(52).map((i) => i.tickSize));
  assert.deepEqual([...ticks].sort(), [0.01, 0.05, 0.1].sort());
});

test('the generated count is validated', () => {
  for (const bad of [-1, 9001, 1.5, Number.NaN, Infinity]) {
    assert.throws(() => buildUniverse({ generated: bad }), RangeError, String(bad));
  }
  assert.equal(buildUniverse({ generated: 0 }).length, 52);
});

test('NSE price-band tick sizes', () => {
  const table: Array<[number, number]> = [[1, 0.01], [249.99, 0.01], [250, 0.05], [1000, 0.05], [1000.1, 0.1],
    [5000, 0.1], [5000.5, 0.5], [10_000, 0.5], [10_001, 1], [20_000, 1], [20_005, 5]];
  for (const [price, tick] of table) assert.equal(nseTickSize(price), tick, String(price));
});
