import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodePacket, encodePacket, isKitePacketLength, type PacketFields } from '../../shared/kite-packet';
import { parseInstrumentId, priceDivisor, roundToTick } from '../../shared/instrument';

const INFY = 408065;
const NIFTY = 256265;
const USDINR = (12345 << 8) | 3; // a CDS token: prices ÷ 10,000,000

function fields(token: number, overrides: Partial<PacketFields> = {}): PacketFields {
  return {
    token, lastPrice: 1523.45, lastQuantity: 7, averagePrice: 1520.1, volume: 1_234_567, totalBuyQuantity: 5000,
    totalSellQuantity: 6000, open: 1510, high: 1530.5, low: 1505.25, close: 1500, lastTradeTime: 1_732_500_000,
    oi: 42, oiDayHigh: 50, oiDayLow: 40, exchangeTimestamp: 1_732_500_001,
    depth: Array.from({ length: 10 }, (_, i) => ({ price: i < 5 ? 1523.4 - i * 0.05 : 1523.5 + (i - 5) * 0.05, quantity: 100 + i, orders: i + 1 })),
    ...overrides,
  };
}

function roundTrip(token: number, mode: 'ltp' | 'quote' | 'full', f = fields(token)) {
  const view = new DataView(new ArrayBuffer(200));
  const length = encodePacket(view, 0, mode, f);
  return { length, tick: decodePacket(view, 0, length, 'X:Y', 1000.5) };
}

test('packet lengths follow Kite: 8 / 44 / 184, indices 8 / 28 / 32', () => {
  assert.deepEqual(['ltp', 'quote', 'full'].map((m) => roundTrip(INFY, m as 'ltp').length), [8, 44, 184]);
  assert.deepEqual(['ltp', 'quote', 'full'].map((m) => roundTrip(NIFTY, m as 'ltp').length), [8, 28, 32]);
});

test('a full packet decodes every field', () => {
  const { tick } = roundTrip(INFY, 'full');
  assert.equal(tick.mode, 'full');
  assert.equal(tick.tradable, true);
  assert.equal(tick.lastPrice, 1523.45);
  assert.deepEqual(tick.ohlc, { open: 1510, high: 1530.5, low: 1505.25, close: 1500 });
  assert.equal(tick.volume, 1_234_567);
  assert.equal(tick.averagePrice, 1520.1);
  assert.deepEqual([tick.totalBuyQuantity, tick.totalSellQuantity, tick.lastQuantity], [5000, 6000, 7]);
  assert.equal(tick.timestamp, new Date(1_732_500_001_000).toISOString());
  assert.equal(tick.lastTradeTime, new Date(1_732_500_000_000).toISOString());
  assert.deepEqual([tick.oi, tick.oiDayHigh, tick.oiDayLow], [42, 50, 40]);
  assert.equal(tick.depth!.buy[0]!.price, 1523.4);
  assert.equal(tick.depth!.sell[4]!.price, 1523.7);
  assert.deepEqual(tick.depth!.sell[4], { price: 1523.7, quantity: 109, orders: 10 });
  assert.ok(Math.abs(tick.change! - 1.5633) < 1e-3);
  assert.equal(tick.receivedAt, 1000.5);
});

test('index packets keep Kite\'s H,L,O,C order and are not tradable', () => {
  const { tick } = roundTrip(NIFTY, 'full', fields(NIFTY, { lastPrice: 24000.5, open: 23900, high: 24100, low: 23850.25, close: 23950 }));
  assert.equal(tick.tradable, false);
  assert.deepEqual(tick.ohlc, { open: 23900, high: 24100, low: 23850.25, close: 23950 });
  assert.equal(tick.timestamp, new Date(1_732_500_001_000).toISOString());
  assert.equal(tick.depth, undefined);
});

test('prices use the segment divisor', () => {
  assert.deepEqual([priceDivisor(INFY), priceDivisor(NIFTY), priceDivisor(USDINR), priceDivisor((1 << 8) | 12)], [100, 100, 10_000_000, 10_000]);
  const { tick } = roundTrip(USDINR, 'ltp', fields(USDINR, { lastPrice: 83.1234567 }));
  assert.equal(tick.lastPrice, 83.1234567);
});

test('only Kite packet lengths are packet lengths', () => {
  const lengths = Array.from({ length: 300 }, (_, n) => n).filter(isKitePacketLength);
  assert.deepEqual(lengths, [8, 28, 32, 44, 184]);
});

test('instrument ids parse like Kite writes them', () => {
  assert.deepEqual(parseInstrumentId('NSE:INFY'), { exchange: 'NSE', tradingsymbol: 'INFY' });
  assert.deepEqual(parseInstrumentId('NSE:NIFTY 50'), { exchange: 'NSE', tradingsymbol: 'NIFTY 50' });
  assert.deepEqual(parseInstrumentId('NFO:NIFTY24DEC24000CE'), { exchange: 'NFO', tradingsymbol: 'NIFTY24DEC24000CE' });
  assert.deepEqual(parseInstrumentId('BSE:M&M'), { exchange: 'BSE', tradingsymbol: 'M&M' });
  for (const bad of ['', 'INFY', ':INFY', 'NSE:', 'nse:INFY', 'NSE:INFY:X', 'NSE: INFY', 'NSE:INFY ', 'N:INFY', `NSE:${'A'.repeat(51)}`, 'NSE:IN\nFY']) {
    assert.equal(parseInstrumentId(bad), null, JSON.stringify(bad));
  }
});

test('prices round to the tick size without float dust', () => {
  assert.equal(roundToTick(1523.4699, 0.05), 1523.45);
  assert.equal(roundToTick(0.1 + 0.2, 0.05), 0.3);
  assert.equal(roundToTick(83.12345678, 0.0025), 83.1225);
  assert.equal(roundToTick(101, 1), 101);
});
