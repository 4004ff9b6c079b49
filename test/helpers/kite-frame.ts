/** Kite binary frames for tests: a count, then each packet behind its uint16 length. */
import { encodePacket, packetLength, type PacketFields } from '../../shared/kite-packet';
import type { TickMode } from '../../shared/tick';

/** Fields of a plausible tick; `overrides` win. */
export function packetFields(token: number, overrides: Partial<PacketFields> = {}): PacketFields {
  const depth = Array.from({ length: 10 }, (_, k) => ({ price: 100 + k, quantity: k + 1, orders: k }));
  return {
    token, lastPrice: 101.5, lastQuantity: 3, averagePrice: 100.25, volume: 1000, totalBuyQuantity: 7, totalSellQuantity: 9,
    open: 100, high: 102, low: 99, close: 100.5, lastTradeTime: 1_700_000_000, oi: 5, oiDayHigh: 6, oiDayLow: 4,
    exchangeTimestamp: 1_700_000_001, depth, ...overrides,
  };
}

/** One encoded packet of `token` in `mode`. */
export function packet(token: number, mode: TickMode, overrides: Partial<PacketFields> = {}): Uint8Array {
  const bytes = new Uint8Array(packetLength(token, mode));
  encodePacket(new DataView(bytes.buffer), 0, mode, packetFields(token, overrides));
  return bytes;
}

/** A frame of already encoded packets (of any bytes: a test of framing may pass zeros). */
export function frameOf(packets: Uint8Array[]): Uint8Array {
  const frame = new Uint8Array(2 + packets.reduce((n, p) => n + 2 + p.length, 0));
  const view = new DataView(frame.buffer);
  view.setUint16(0, packets.length);
  let at = 2;
  for (const p of packets) {
    view.setUint16(at, p.length);
    frame.set(p, at + 2);
    at += 2 + p.length;
  }
  return frame;
}

/** A frame holding one plausible packet per `[token, mode]`. */
export function kiteFrame(...packets: Array<[token: number, mode: TickMode]>): Uint8Array {
  return frameOf(packets.map(([token, mode]) => packet(token, mode)));
}
