/**
 * Quotes from Kite's REST API (`/quote`) for instruments the ticker does not carry: at most 500
 * an answer, each request in the quote class's turn (1 a second). Kite's shape becomes the
 * ticker's Tick, so a caller cannot tell where a quote came from but by its `receivedAt`.
 */
import type { Instrument } from '../../../shared/instrument';
import type { DepthLevel, Tick } from '../../../shared/tick';
import type { KiteApi } from './kite-api';
import { fromClientDate } from './kite-time';

export const QUOTES_PER_REQUEST = 500;

interface KiteQuote {
  last_price?: unknown;
  last_quantity?: unknown;
  average_price?: unknown;
  volume?: unknown;
  buy_quantity?: unknown;
  sell_quantity?: unknown;
  ohlc?: { open?: unknown; high?: unknown; low?: unknown; close?: unknown };
  net_change?: unknown;
  timestamp?: unknown;
  last_trade_time?: unknown;
  oi?: unknown;
  oi_day_high?: unknown;
  oi_day_low?: unknown;
  depth?: { buy?: unknown; sell?: unknown };
}

export async function kiteQuotes(api: KiteApi, instruments: readonly Instrument[], signal?: AbortSignal): Promise<Map<string, Tick>> {
  const found = new Map<string, Tick>();
  for (let i = 0; i < instruments.length; i += QUOTES_PER_REQUEST) {
    const batch = instruments.slice(i, i + QUOTES_PER_REQUEST);
    const ids = batch.map((instrument) => instrument.id);
    const answer = await api.call('quote', ids.length === 1 ? `the quote of ${ids[0]}` : `quotes of ${ids.length} instruments`, (kite) => kite.getQuote(ids), signal);
    const receivedAt = Date.now();
    for (const instrument of batch) {
      const quote = (answer as Record<string, KiteQuote | undefined>)[instrument.id];
      const tick = quote ? toTick(instrument, quote, receivedAt) : undefined;
      if (tick) found.set(instrument.id, tick);
    }
  }
  return found;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function depth(levels: unknown): DepthLevel[] {
  if (!Array.isArray(levels)) return [];
  return levels.slice(0, 5).map((level: { price?: unknown; quantity?: unknown; orders?: unknown }) => ({
    price: num(level?.price) ?? 0,
    quantity: num(level?.quantity) ?? 0,
    orders: num(level?.orders) ?? 0,
  }));
}

/** Kite's quote as a full-mode tick; undefined when it has no price. */
export function toTick(instrument: Instrument, quote: KiteQuote, receivedAt: number): Tick | undefined {
  const lastPrice = num(quote.last_price);
  if (lastPrice === undefined) return undefined;
  const at = fromClientDate(quote.timestamp);
  const tradedAt = fromClientDate(quote.last_trade_time);
  const close = num(quote.ohlc?.close) ?? 0;
  const tick: Tick = {
    instrument: instrument.id,
    token: instrument.token,
    mode: 'full',
    tradable: instrument.tradable,
    lastPrice,
    timestamp: new Date(at ?? receivedAt).toISOString(),
    receivedAt,
    lastQuantity: num(quote.last_quantity) ?? 0,
    averagePrice: num(quote.average_price) ?? 0,
    volume: num(quote.volume) ?? 0,
    totalBuyQuantity: num(quote.buy_quantity) ?? 0,
    totalSellQuantity: num(quote.sell_quantity) ?? 0,
    ohlc: { open: num(quote.ohlc?.open) ?? 0, high: num(quote.ohlc?.high) ?? 0, low: num(quote.ohlc?.low) ?? 0, close },
    change: close === 0 ? 0 : ((lastPrice - close) * 100) / close,
    oi: num(quote.oi) ?? 0,
    oiDayHigh: num(quote.oi_day_high) ?? 0,
    oiDayLow: num(quote.oi_day_low) ?? 0,
    depth: { buy: depth(quote.depth?.buy), sell: depth(quote.depth?.sell) },
  };
  if (tradedAt !== undefined) tick.lastTradeTime = new Date(tradedAt).toISOString();
  return tick;
}
