import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodePacket, type PacketFields } from '../../shared/kite-packet';
import { decodeTickFrame, forEachFrameTick, TickFrameWriter } from '../../shared/tick-frame';

const base: PacketFields = {
  token: 408065, lastPrice: 100, lastQuantity: 1, averagePrice: 100, volume: 10, totalBuyQuantity: 1, totalSellQuantity: 1,
  open: 100, high: 101, low: 99, close: 100, lastTradeTime: 0, oi: 0, oiDayHigh: 0, oiDayLow: 0, exchangeTimestamp: 1, depth: [],
};

function packet(token: number, price: number, mode: 'ltp' | 'quote' | 'full'): Uint8Array {
  const bytes = new Uint8Array(184);
  const n = encodePacket(new DataView(bytes.buffer), 0, mode, { ...base, token, lastPrice: price });
  return bytes.slice(0, n);
}

test('the writer builds frames the reader decodes, and starts afresh after take()', () => {
  const writer = new TickFrameWriter(16);
  const packets = [packet(408065, 1500.5, 'full'), packet(2953217, 3900, 'ltp'), packet(256265, 24000, 'quote')];
  packets.forEach((p, i) => writer.append(p, 0, p.length, 1000 + i / 4));
  const frame = writer.take();
  const names: Record<number, string> = { 408065: 'NSE:INFY', 2953217: 'NSE:TCS', 256265: 'NSE:NIFTY 50' };
  const ticks = decodeTickFrame(frame, (t) => names[t]!);
  assert.deepEqual(ticks.map((t) => [t.instrument, t.lastPrice, t.mode, t.receivedAt]), [
    ['NSE:INFY', 1500.5, 'full', 1000],
    ['NSE:TCS', 3900, 'ltp', 1000.25],
    ['NSE:NIFTY 50', 24000, 'quote', 1000.5],
  ]);
  assert.equal(writer.count, 0);
  assert.equal(decodeTickFrame(writer.take(), () => 'X:Y').length, 0);
});

test('malformed frames are refused with a reason', () => {
  const writer = new TickFrameWriter();
  const p = packet(408065, 1, 'ltp');
  writer.append(p, 0, p.length, 1);
  const good = writer.take();
  const mutate = (fn: (b: Uint8Array) => void) => {
    const copy = good.slice();
    fn(copy);
    return copy;
  };
  const bad: Array<[Uint8Array, RegExp]> = [
    [new Uint8Array(2), /shorter/],
    [mutate((b) => (b[0] = 2)), /kind/],
    [mutate((b) => (b[1] = 9)), /version/],
    [mutate((b) => (b[3] = 2)), /ends before/],
    [mutate((b) => (b[5] = 9)), /unknown packet length/],
    [good.slice(0, good.length - 1), /cut short/],
    [new Uint8Array([...good, 0]), /stray/],
  ];
  for (const [bytes, reason] of bad) assert.throws(() => forEachFrameTick(bytes, () => undefined), reason);
});
