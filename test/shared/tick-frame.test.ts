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
  const writer = new TickFrameWriter({ initialBytes: 16 });
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

test('packets copied in runs decode like packets appended one by one, grouped by arrival time', () => {
  const packets = [packet(408065, 1, 'full'), packet(2953217, 2, 'quote'), packet(256265, 3, 'ltp')];
  // A Kite frame body: each packet behind its uint16 length.
  const body = new Uint8Array(packets.reduce((n, p) => n + 2 + p.length, 0));
  let at = 0;
  for (const p of packets) {
    new DataView(body.buffer).setUint16(at, p.length);
    body.set(p, at + 2);
    at += 2 + p.length;
  }
  const runs = new TickFrameWriter({ initialBytes: 16 });
  runs.appendPackets(body, 0, body.length, 3, 7);
  runs.append(packets[0]!, 0, packets[0]!.length, 7); // same arrival: joins the group
  runs.append(packets[1]!, 0, packets[1]!.length, 8); // a new group
  const frame = runs.take();
  const names = () => 'X:Y';
  const ticks = decodeTickFrame(frame, names);
  assert.deepEqual(ticks.map((t) => [t.lastPrice, t.mode, t.receivedAt]), [
    [1, 'full', 7], [2, 'quote', 7], [3, 'ltp', 7], [1, 'full', 7], [2, 'quote', 8],
  ]);
  assert.equal(new DataView(frame.buffer, frame.byteOffset).getUint16(2), 2, 'two groups');
  // take() hands its buffer over: what the writer does next never touches a taken frame.
  const copy = frame.slice();
  runs.appendPackets(body, 0, body.length, 3, 9);
  runs.take();
  assert.deepEqual(frame, copy);
});

test('a group never holds more than 65535 ticks', () => {
  const writer = new TickFrameWriter();
  const p = packet(408065, 1, 'ltp');
  for (let i = 0; i < 70_000; i++) writer.append(p, 0, p.length, 5);
  const frame = writer.take();
  assert.equal(new DataView(frame.buffer, frame.byteOffset).getUint16(2), 2);
  assert.equal(forEachFrameTick(frame, () => undefined), 70_000);
});

test('a frame holds at most 65535 groups: full says so, and one more is refused', () => {
  const writer = new TickFrameWriter();
  const p = packet(408065, 1, 'ltp');
  for (let i = 0; i < 0xffff; i++) writer.append(p, 0, p.length, i);
  assert.equal(writer.full, true);
  writer.append(p, 0, p.length, 0xffff - 1); // the open group still takes ticks
  assert.throws(() => writer.append(p, 0, p.length, -1), /full/);
  assert.equal(forEachFrameTick(writer.take(), () => undefined), 0x10000);
});

test('malformed frames are refused with a reason', () => {
  const writer = new TickFrameWriter();
  const p = packet(408065, 1, 'ltp');
  writer.append(p, 0, p.length, 1);
  const good = writer.take();
  // Layout: kind, version, groups (2), receivedAt (8), count (2), length (2), packet.
  const mutate = (fn: (b: Uint8Array) => void) => {
    const copy = good.slice();
    fn(copy);
    return copy;
  };
  const bad: Array<[Uint8Array, RegExp]> = [
    [new Uint8Array(2), /shorter/],
    [mutate((b) => (b[0] = 2)), /kind/],
    [mutate((b) => (b[1] = 9)), /version/],
    [mutate((b) => (b[3] = 2)), /ends before group 2/],
    [mutate((b) => (b[13] = 2)), /group 1: frame ends before packet 2/],
    [mutate((b) => (b[15] = 9)), /unknown packet length/],
    [good.slice(0, good.length - 1), /cut short/],
    [new Uint8Array([...good, 0]), /stray/],
  ];
  for (const [bytes, reason] of bad) assert.throws(() => forEachFrameTick(bytes, () => undefined), reason);
});
