/**
 * Kite's binary market-data packets (see docs/API.md): decoded with a DataView, no copies.
 * The simulated market encodes the same packets, so one decoder serves the broker and the sim.
 */
import { isTradableToken, priceDivisor } from './instrument';
import type { DepthLevel, Tick, TickMode } from './tick';

export const PACKET_LTP = 8;
export const PACKET_INDEX_QUOTE = 28;
export const PACKET_INDEX_FULL = 32;
export const PACKET_QUOTE = 44;
export const PACKET_FULL = 184;
export const DEPTH_LEVELS = 5;

const PACKET_MODES: Record<number, TickMode> = {
  [PACKET_LTP]: 'ltp',
  [PACKET_INDEX_QUOTE]: 'quote',
  [PACKET_INDEX_FULL]: 'full',
  [PACKET_QUOTE]: 'quote',
  [PACKET_FULL]: 'full',
};

export function packetMode(length: number): TickMode | undefined {
  return PACKET_MODES[length];
}

/** The numbers a packet carries, prices in rupees, times in epoch seconds. */
export interface PacketFields {
  token: number;
  lastPrice: number;
  lastQuantity: number;
  averagePrice: number;
  volume: number;
  totalBuyQuantity: number;
  totalSellQuantity: number;
  open: number;
  high: number;
  low: number;
  close: number;
  lastTradeTime: number;
  oi: number;
  oiDayHigh: number;
  oiDayLow: number;
  exchangeTimestamp: number;
  /** 5 bids then 5 asks. */
  depth: DepthLevel[];
}

export function packetLength(token: number, mode: TickMode): number {
  if (mode === 'ltp') return PACKET_LTP;
  if (!isTradableToken(token)) return mode === 'quote' ? PACKET_INDEX_QUOTE : PACKET_INDEX_FULL;
  return mode === 'quote' ? PACKET_QUOTE : PACKET_FULL;
}

/** Writes one packet at `offset`; returns its length. */
export function encodePacket(view: DataView, offset: number, mode: TickMode, f: PacketFields): number {
  const div = priceDivisor(f.token);
  const price = (value: number) => Math.round(value * div);
  const length = packetLength(f.token, mode);
  view.setInt32(offset, f.token);
  view.setInt32(offset + 4, price(f.lastPrice));
  if (length === PACKET_LTP) return length;
  if (length === PACKET_INDEX_QUOTE || length === PACKET_INDEX_FULL) {
    view.setInt32(offset + 8, price(f.high));
    view.setInt32(offset + 12, price(f.low));
    view.setInt32(offset + 16, price(f.open));
    view.setInt32(offset + 20, price(f.close));
    view.setInt32(offset + 24, price(f.lastPrice - f.close));
    if (length === PACKET_INDEX_FULL) view.setInt32(offset + 28, f.exchangeTimestamp);
    return length;
  }
  view.setInt32(offset + 8, f.lastQuantity);
  view.setInt32(offset + 12, price(f.averagePrice));
  view.setInt32(offset + 16, f.volume);
  view.setInt32(offset + 20, f.totalBuyQuantity);
  view.setInt32(offset + 24, f.totalSellQuantity);
  view.setInt32(offset + 28, price(f.open));
  view.setInt32(offset + 32, price(f.high));
  view.setInt32(offset + 36, price(f.low));
  view.setInt32(offset + 40, price(f.close));
  if (length === PACKET_QUOTE) return length;
  view.setInt32(offset + 44, f.lastTradeTime);
  view.setInt32(offset + 48, f.oi);
  view.setInt32(offset + 52, f.oiDayHigh);
  view.setInt32(offset + 56, f.oiDayLow);
  view.setInt32(offset + 60, f.exchangeTimestamp);
  for (let i = 0; i < 2 * DEPTH_LEVELS; i++) {
    const level = f.depth[i];
    const at = offset + 64 + i * 12;
    view.setInt32(at, level?.quantity ?? 0);
    view.setInt32(at + 4, level ? price(level.price) : 0);
    view.setInt16(at + 8, level?.orders ?? 0);
    view.setInt16(at + 10, 0);
  }
  return length;
}

function iso(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString();
}

/**
 * Decodes one packet into a Tick. `instrument` names the token (the packet has only the token);
 * `receivedAt` is when the packet reached the agent, in epoch ms.
 */
export function decodePacket(
  view: DataView,
  offset: number,
  length: number,
  instrument: string,
  receivedAt: number,
): Tick {
  const mode = packetMode(length);
  if (!mode) throw new RangeError(`not a Kite packet length: ${length}`);
  const token = view.getInt32(offset);
  const div = priceDivisor(token);
  const px = (at: number) => view.getInt32(offset + at) / div;
  const lastPrice = px(4);
  const tick: Tick = {
    instrument,
    token,
    mode,
    tradable: isTradableToken(token),
    lastPrice,
    timestamp: new Date(receivedAt).toISOString(),
    receivedAt,
  };
  if (length === PACKET_LTP) return tick;
  if (length === PACKET_INDEX_QUOTE || length === PACKET_INDEX_FULL) {
    const close = px(20);
    tick.ohlc = { open: px(16), high: px(8), low: px(12), close };
    tick.change = close === 0 ? 0 : ((lastPrice - close) * 100) / close;
    if (length === PACKET_INDEX_FULL) tick.timestamp = iso(view.getInt32(offset + 28));
    return tick;
  }
  const close = px(40);
  tick.lastQuantity = view.getInt32(offset + 8);
  tick.averagePrice = px(12);
  tick.volume = view.getInt32(offset + 16);
  tick.totalBuyQuantity = view.getInt32(offset + 20);
  tick.totalSellQuantity = view.getInt32(offset + 24);
  tick.ohlc = { open: px(28), high: px(32), low: px(36), close };
  tick.change = close === 0 ? 0 : ((lastPrice - close) * 100) / close;
  if (length === PACKET_QUOTE) return tick;
  tick.lastTradeTime = iso(view.getInt32(offset + 44));
  tick.oi = view.getInt32(offset + 48);
  tick.oiDayHigh = view.getInt32(offset + 52);
  tick.oiDayLow = view.getInt32(offset + 56);
  tick.timestamp = iso(view.getInt32(offset + 60));
  const buy: DepthLevel[] = [];
  const sell: DepthLevel[] = [];
  for (let i = 0; i < 2 * DEPTH_LEVELS; i++) {
    const at = offset + 64 + i * 12;
    const level = { quantity: view.getInt32(at), price: px(64 + i * 12 + 4), orders: view.getInt16(at + 8) };
    (i < DEPTH_LEVELS ? buy : sell).push(level);
  }
  tick.depth = { buy, sell };
  return tick;
}

export function packetToken(view: DataView, offset: number): number {
  return view.getInt32(offset);
}

/**
 * Checks a Kite binary frame (`uint16 count`, then `uint16 length` + packet each) and returns
 * its packet count, or a reason it is malformed. A 1-byte frame is a heartbeat (count 0).
 */
export function checkKiteFrame(bytes: Uint8Array): { count: number } | { error: string } {
  if (bytes.byteLength === 1) return { count: 0 };
  if (bytes.byteLength < 2) return { error: 'frame shorter than its header' };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint16(0);
  let at = 2;
  for (let i = 0; i < count; i++) {
    if (at + 2 > bytes.byteLength) return { error: `frame ends before packet ${i + 1} of ${count}` };
    const length = view.getUint16(at);
    if (!packetMode(length)) return { error: `packet ${i + 1} has unknown length ${length}` };
    at += 2 + length;
    if (at > bytes.byteLength) return { error: `packet ${i + 1} of ${count} is cut short` };
  }
  if (at !== bytes.byteLength) return { error: `${bytes.byteLength - at} stray bytes after ${count} packets` };
  return { count };
}
