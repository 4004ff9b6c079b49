/**
 * Kite's binary market-data packets (see docs/API.md): decoded with a DataView, no copies; and
 * the one definition of a valid frame of them (`walkKiteFrame`). The simulated market encodes
 * the same packets, so one decoder serves the broker and the sim.
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
// Module-level helpers rather than closures: these run for every tick.
function putPrice(view: DataView, at: number, value: number, div: number): void {
  view.setInt32(at, Math.round(value * div));
}

function getPrice(view: DataView, at: number, div: number): number {
  return view.getInt32(at) / div;
}

export function encodePacket(view: DataView, offset: number, mode: TickMode, f: PacketFields): number {
  const div = priceDivisor(f.token);
  const length = packetLength(f.token, mode);
  view.setInt32(offset, f.token);
  putPrice(view, offset + 4, f.lastPrice, div);
  if (length === PACKET_LTP) return length;
  if (length === PACKET_INDEX_QUOTE || length === PACKET_INDEX_FULL) {
    putPrice(view, offset + 8, f.high, div);
    putPrice(view, offset + 12, f.low, div);
    putPrice(view, offset + 16, f.open, div);
    putPrice(view, offset + 20, f.close, div);
    putPrice(view, offset + 24, f.lastPrice - f.close, div);
    if (length === PACKET_INDEX_FULL) view.setInt32(offset + 28, f.exchangeTimestamp);
    return length;
  }
  view.setInt32(offset + 8, f.lastQuantity);
  putPrice(view, offset + 12, f.averagePrice, div);
  view.setInt32(offset + 16, f.volume);
  view.setInt32(offset + 20, f.totalBuyQuantity);
  view.setInt32(offset + 24, f.totalSellQuantity);
  putPrice(view, offset + 28, f.open, div);
  putPrice(view, offset + 32, f.high, div);
  putPrice(view, offset + 36, f.low, div);
  putPrice(view, offset + 40, f.close, div);
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
    putPrice(view, at + 4, level?.price ?? 0, div);
    view.setInt16(at + 8, level?.orders ?? 0);
    view.setInt16(at + 10, 0);
  }
  return length;
}

/**
 * Ticks arriving together share their time: each time field formats a value once, not once per
 * tick (formatting is most of the cost of decoding a packet). Exchange and trade times are whole
 * seconds; the receipt time, which stands in when a packet has no exchange time, is the frame's.
 */
class IsoTime {
  private value = Number.NaN;
  private text = '';

  format(epochMs: number): string {
    if (epochMs !== this.value) {
      this.value = epochMs;
      this.text = new Date(epochMs).toISOString();
    }
    return this.text;
  }
}
const exchangeTime = new IsoTime();
const tradeTime = new IsoTime();
const receiptTime = new IsoTime();

/** Kite writes 0 when it has no exchange time: the receipt time stands in then. */
function timestampOf(exchangeSeconds: number, receivedAt: number): string {
  return exchangeSeconds !== 0 ? exchangeTime.format(exchangeSeconds * 1000) : receiptTime.format(receivedAt);
}

function depthLevel(view: DataView, at: number, div: number): DepthLevel {
  return { quantity: view.getInt32(at), price: getPrice(view, at + 4, div), orders: view.getInt16(at + 8) };
}

/** Five levels from `at`, 12 bytes each: one array literal, allocated at its size. */
function depthSide(view: DataView, at: number, div: number): DepthLevel[] {
  return [depthLevel(view, at, div), depthLevel(view, at + 12, div), depthLevel(view, at + 24, div), depthLevel(view, at + 36, div), depthLevel(view, at + 48, div)];
}

/**
 * Decodes one packet into a Tick. `instrument` names the token (the packet has only the token);
 * `receivedAt` is when the packet reached the agent, in epoch ms. Each kind of packet has its own
 * function building one object literal, so every tick of a kind has one shape and each function
 * is optimized for its kind alone.
 */
export function decodePacket(view: DataView, offset: number, length: number, instrument: string, receivedAt: number): Tick {
  switch (length) {
    case PACKET_FULL:
      return decodeFull(view, offset, instrument, receivedAt);
    case PACKET_QUOTE:
      return decodeQuote(view, offset, instrument, receivedAt);
    case PACKET_LTP:
      return decodeLtp(view, offset, instrument, receivedAt);
    case PACKET_INDEX_QUOTE:
    case PACKET_INDEX_FULL:
      return decodeIndex(view, offset, length, instrument, receivedAt);
    default:
      throw new RangeError(`not a Kite packet length: ${length}`);
  }
}

function decodeLtp(view: DataView, offset: number, instrument: string, receivedAt: number): Tick {
  const token = view.getInt32(offset);
  return {
    instrument,
    token,
    mode: 'ltp',
    tradable: isTradableToken(token),
    lastPrice: getPrice(view, offset + 4, priceDivisor(token)),
    timestamp: receiptTime.format(receivedAt),
    receivedAt,
  };
}

/** Index packets: H, L, O, C where the others have O, H, L, C. */
function decodeIndex(view: DataView, offset: number, length: number, instrument: string, receivedAt: number): Tick {
  const token = view.getInt32(offset);
  const div = priceDivisor(token);
  const lastPrice = getPrice(view, offset + 4, div);
  const close = getPrice(view, offset + 20, div);
  return {
    instrument,
    token,
    mode: length === PACKET_INDEX_FULL ? 'full' : 'quote',
    tradable: isTradableToken(token),
    lastPrice,
    timestamp: timestampOf(length === PACKET_INDEX_FULL ? view.getInt32(offset + 28) : 0, receivedAt),
    receivedAt,
    ohlc: { open: getPrice(view, offset + 16, div), high: getPrice(view, offset + 8, div), low: getPrice(view, offset + 12, div), close },
    change: close === 0 ? 0 : ((lastPrice - close) * 100) / close,
  };
}

function decodeQuote(view: DataView, offset: number, instrument: string, receivedAt: number): Tick {
  const token = view.getInt32(offset);
  const div = priceDivisor(token);
  const lastPrice = getPrice(view, offset + 4, div);
  const close = getPrice(view, offset + 40, div);
  return {
    instrument,
    token,
    mode: 'quote',
    tradable: isTradableToken(token),
    lastPrice,
    timestamp: receiptTime.format(receivedAt),
    receivedAt,
    lastQuantity: view.getInt32(offset + 8),
    averagePrice: getPrice(view, offset + 12, div),
    volume: view.getInt32(offset + 16),
    totalBuyQuantity: view.getInt32(offset + 20),
    totalSellQuantity: view.getInt32(offset + 24),
    ohlc: { open: getPrice(view, offset + 28, div), high: getPrice(view, offset + 32, div), low: getPrice(view, offset + 36, div), close },
    change: close === 0 ? 0 : ((lastPrice - close) * 100) / close,
  };
}

/**
 * The quote packet's fields again, in one literal rather than a quote tick grown: growing it
 * measured 15 % slower on the kite-parse bench.
 */
function decodeFull(view: DataView, offset: number, instrument: string, receivedAt: number): Tick {
  const token = view.getInt32(offset);
  const div = priceDivisor(token);
  const lastPrice = getPrice(view, offset + 4, div);
  const close = getPrice(view, offset + 40, div);
  const tradedAt = view.getInt32(offset + 44);
  const tick: Tick = {
    instrument,
    token,
    mode: 'full',
    tradable: isTradableToken(token),
    lastPrice,
    timestamp: timestampOf(view.getInt32(offset + 60), receivedAt),
    receivedAt,
    lastQuantity: view.getInt32(offset + 8),
    averagePrice: getPrice(view, offset + 12, div),
    volume: view.getInt32(offset + 16),
    totalBuyQuantity: view.getInt32(offset + 20),
    totalSellQuantity: view.getInt32(offset + 24),
    ohlc: { open: getPrice(view, offset + 28, div), high: getPrice(view, offset + 32, div), low: getPrice(view, offset + 36, div), close },
    change: close === 0 ? 0 : ((lastPrice - close) * 100) / close,
    oi: view.getInt32(offset + 48),
    oiDayHigh: view.getInt32(offset + 52),
    oiDayLow: view.getInt32(offset + 56),
    depth: { buy: depthSide(view, offset + 64, div), sell: depthSide(view, offset + 124, div) },
  };
  // Kite writes 0 when there was no trade: the field is then absent. Added last, it is one
  // shape transition, the same for every such tick.
  if (tradedAt !== 0) tick.lastTradeTime = tradeTime.format(tradedAt * 1000);
  return tick;
}

// Field readers: one number read where the packet lies, for code that sees every tick (a tick
// observer) and cannot afford a decoded Tick each. Each takes the packet's length, which says what
// the packet carries (see the PACKET_ constants); a field it does not carry reads as 0, as Kite
// writes a time it does not have.

/** Last traded price in rupees (every packet carries it). */
export function readPacketPrice(view: DataView, offset: number, _length: number): number {
  return getPrice(view, offset + 4, priceDivisor(view.getInt32(offset)));
}

/** Shares traded so far today; 0 in an LTP packet and in an index's. */
export function readPacketVolume(view: DataView, offset: number, length: number): number {
  return length === PACKET_QUOTE || length === PACKET_FULL ? view.getInt32(offset + 16) : 0;
}

/** Open interest; 0 unless a full packet of a tradable instrument. */
export function readPacketOi(view: DataView, offset: number, length: number): number {
  return length === PACKET_FULL ? view.getInt32(offset + 48) : 0;
}

/** The exchange's time of the packet in epoch seconds; 0 when it has none (LTP and quote packets). */
export function readPacketExchangeTime(view: DataView, offset: number, length: number): number {
  if (length === PACKET_FULL) return view.getInt32(offset + 60);
  return length === PACKET_INDEX_FULL ? view.getInt32(offset + 28) : 0;
}

/**
 * Kite's packet lengths: a valid frame holds no other. A switch, because on the routing hot path
 * a chain of comparisons cost measurably more.
 */
export function isKitePacketLength(length: number): boolean {
  switch (length) {
    case PACKET_LTP:
    case PACKET_INDEX_QUOTE:
    case PACKET_INDEX_FULL:
    case PACKET_QUOTE:
    case PACKET_FULL:
      return true;
    default:
      return false;
  }
}
