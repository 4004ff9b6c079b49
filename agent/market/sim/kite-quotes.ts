/**
 * Kite's market quotes (`GET /quote`, `/quote/ohlc`, `/quote/ltp`) from the live simulated
 * market: each instrument's price process, the same one the ticker streams. Instruments are asked
 * for as `i=EXCHANGE:TRADINGSYMBOL` (or by instrument token); the answer is keyed by what was
 * asked, and instruments that are not listed are simply absent, as on Kite.
 *
 * Indices get the same keys with their level, OHLC and change, every trading field zero and no
 * last trade time (null). Kite's own index quotes are not documented; this shape keeps a client
 * that reads a stock's quote safe on an index's.
 */
import { DEPTH_LEVELS, type PacketFields } from '../../../shared/kite-packet';
import { roundToTick } from '../../../shared/instrument';
import { istText } from '../../broker/kite/kite-time';
import type { InstrumentListing } from './instrument-listing';
import { KiteError } from './kite-http';
import { createPacketFields } from './price-process';

export type QuoteKind = 'quote' | 'ohlc' | 'ltp';

/** The most instruments one request may name. */
export const QUOTE_LIMITS: Readonly<Record<QuoteKind, number>> = { quote: 500, ohlc: 1000, ltp: 1000 };

/** Writes an instrument's current state into `out` (stepping its market if it is due). */
export type Snapshot = (slot: number, out: PacketFields) => void;

/** NSE's price band for a stock without one of its own: ±10 % of the previous close. */
const CIRCUIT_BAND = 0.1;

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

function slotOf(key: string, listing: InstrumentListing): number | undefined {
  return /^\d{1,10}$/.test(key) ? listing.slotOfListedToken(Number(key)) : listing.slotOfListedId(key);
}

function ohlc(f: PacketFields) {
  return { open: f.open, high: f.high, low: f.low, close: f.close };
}

function depthSide(f: PacketFields, from: number) {
  return f.depth.slice(from, from + DEPTH_LEVELS).map((level) => ({ price: level.price, quantity: level.quantity, orders: level.orders }));
}

function fullQuote(f: PacketFields, tickSize: number, tradable: boolean) {
  const band = tradable && f.close > 0;
  return {
    instrument_token: f.token,
    timestamp: istText(f.exchangeTimestamp * 1000),
    last_trade_time: tradable ? istText(f.lastTradeTime * 1000) : null,
    last_price: f.lastPrice,
    last_quantity: f.lastQuantity,
    buy_quantity: f.totalBuyQuantity,
    sell_quantity: f.totalSellQuantity,
    volume: f.volume,
    average_price: f.averagePrice,
    oi: f.oi,
    oi_day_high: f.oiDayHigh,
    oi_day_low: f.oiDayLow,
    net_change: f.close > 0 ? round2(f.lastPrice - f.close) : 0,
    lower_circuit_limit: band ? roundToTick(f.close * (1 - CIRCUIT_BAND), tickSize) : 0,
    upper_circuit_limit: band ? roundToTick(f.close * (1 + CIRCUIT_BAND), tickSize) : 0,
    ohlc: ohlc(f),
    depth: { buy: depthSide(f, 0), sell: depthSide(f, DEPTH_LEVELS) },
  };
}

/** The `data` of a quote request; throws an InputException past the request's limit. */
export function quotes(kind: QuoteKind, keys: readonly string[], listing: InstrumentListing, snapshot: Snapshot): Record<string, unknown> {
  const limit = QUOTE_LIMITS[kind];
  if (keys.length > limit) throw new KiteError(400, 'InputException', `Too many instruments: at most ${limit} a request.`);
  const fields = createPacketFields();
  const data: Record<string, unknown> = {};
  for (const key of keys) {
    const slot = slotOf(key, listing);
    if (slot === undefined || Object.hasOwn(data, key)) continue;
    snapshot(slot, fields);
    const instrument = listing.instrument(slot);
    if (kind === 'ltp') data[key] = { instrument_token: fields.token, last_price: fields.lastPrice };
    else if (kind === 'ohlc') data[key] = { instrument_token: fields.token, last_price: fields.lastPrice, ohlc: ohlc(fields) };
    else data[key] = fullQuote(fields, instrument.tickSize, instrument.tradable);
  }
  return data;
}
