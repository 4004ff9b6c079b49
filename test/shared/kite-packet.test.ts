import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkKiteFrame, decodePacket, encodePacket, isKitePacketLength, NOT_A_KITE_FRAME, type PacketFields, walkKiteFrame, walkKitePackets } from '../../shared/kite-packet';
import { parseInstrumentId, priceDivisor, roundToTick } from '../../shared/instrument';
import { frameOf } from '../helpers/kite-frame';

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

/** A frame of zero-filled packets of these lengths: the walker reads lengths, not contents. */
const framed = (...lengths: number[]) => frameOf(lengths.map((n) => new Uint8Array(n)));

/** A visitor that records each packet's place, and checks it sits right behind its uint16 length. */
function recorder() {
  const seen: Array<[offset: number, length: number]> = [];
  return {
    seen,
    packet(view: DataView, offset: number, length: number) {
      assert.equal(view.getUint16(offset - 2), length);
      seen.push([offset, length]);
    },
  };
}

test('frames are checked before anyone trusts them', () => {
  assert.deepEqual(checkKiteFrame(framed(8, 44, 184)), { count: 3 });
  assert.deepEqual(checkKiteFrame(new Uint8Array([0])), { count: 0 }, 'a heartbeat');
  assert.deepEqual(checkKiteFrame(framed()), { count: 0 });
  assert.deepEqual(checkKiteFrame(framed(8, 28, 32, 44, 184)), { count: 5 }, 'every packet length Kite sends');
  const bad: Array<[Uint8Array, RegExp]> = [
    [new Uint8Array(0), /shorter than its header/],
    [framed(9), /packet 1 of 1 has unknown packet length 9/],
    [framed(8, 7), /packet 2 of 2 has unknown packet length 7/],
    [framed(8).slice(0, 8), /packet 1 of 1 is cut short/],
    [new Uint8Array([...framed(8), 0]), /1 stray bytes after 1 packets/],
    [(() => { const f = framed(8); f[1] = 2; return f; })(), /frame ends before packet 2 of 2/],
  ];
  for (const [bytes, reason] of bad) {
    const checked = checkKiteFrame(bytes);
    assert.ok('error' in checked, `accepted ${[...bytes]}`);
    assert.match(checked.error, reason);
  }
});

test('a walk hands over each packet where it lies, and stops at the first fault', () => {
  const packets = recorder();
  assert.equal(walkKiteFrame(framed(8, 44, 184), packets), 3);
  assert.deepEqual(packets.seen, [[4, 8], [14, 44], [60, 184]]);

  // A fault after two good packets: those two were handed over, and the walk says why it stopped.
  const cut = recorder();
  const fault = { reason: '' };
  assert.equal(walkKiteFrame(framed(8, 44, 184).subarray(0, 100), cut, fault), NOT_A_KITE_FRAME);
  assert.deepEqual(cut.seen, [[4, 8], [14, 44]]);
  assert.match(fault.reason, /packet 3 of 3 is cut short/);

  // A frame inside a larger buffer: offsets are the frame's own.
  const inner = new Uint8Array(40);
  inner.set(framed(8), 7);
  const shifted = recorder();
  assert.equal(walkKiteFrame(inner.subarray(7, 7 + 12), shifted), 1);
  assert.deepEqual(shifted.seen, [[4, 8]]);
});

test('a Kite body nested in another format is walked by the same rules, and may be followed by more', () => {
  const frame = framed(8, 44);
  const buffer = new Uint8Array(frame.byteLength + 5);
  buffer.set(frame);
  const view = new DataView(buffer.buffer);
  const body = recorder();
  assert.equal(walkKitePackets(view, 2, buffer.byteLength, 2, body), frame.byteLength, 'where the packets end');
  assert.deepEqual(body.seen, [[4, 8], [14, 44]]);
  const fault = { reason: '' };
  assert.equal(walkKitePackets(view, 2, frame.byteLength - 1, 2, recorder(), fault), NOT_A_KITE_FRAME);
  assert.match(fault.reason, /cut short/);
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
