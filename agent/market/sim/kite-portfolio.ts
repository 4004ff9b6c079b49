/**
 * The emulated account: what an order takes from the market (`takeFromBook`), positions from the
 * day's trades (`GET /portfolio/positions`: every position is the day's, so `net` and `day` agree)
 * and the funds (`GET /user/margins`). The account opens each run with Rs 1 crore of cash;
 * intraday (MIS) positions block a fifth of their value, the others all of it.
 */
import type { PacketFields } from '../../../shared/kite-packet';
import type { KiteProduct } from './kite-order-form';

export const OPENING_CASH = 10_000_000;

export interface KiteTrade {
  trade_id: string;
  order_id: string;
  exchange: string;
  tradingsymbol: string;
  instrument_token: number;
  product: KiteProduct;
  average_price: number;
  quantity: number;
  exchange_order_id: string | null;
  transaction_type: 'BUY' | 'SELL';
  fill_timestamp: string;
  order_timestamp: string;
  exchange_timestamp: string;
}

export interface Take {
  quantity: number;
  price: number;
}

/** The share of an order's value the account must hold for it. */
export function marginRate(product: KiteProduct): number {
  return product === 'MIS' ? 0.2 : 1;
}

/**
 * What an order of `side` takes now: the shown depth level by level while the price is within
 * `limit` (a limit order's price, or a market order's protection). A market order (`hidden`)
 * also takes what the shown depth lacks at its last level's price, if that is within the limit.
 * Without depth (an index, a market not yet traded) the last price is the book.
 */
export function takeFromBook(side: 'BUY' | 'SELL', remaining: number, limit: number, market: PacketFields, hidden: boolean): Take[] {
  const buy = side === 'BUY';
  const from = buy ? market.depth.length / 2 : 0;
  const levels = market.depth.slice(from, from + market.depth.length / 2).filter((level) => level.quantity > 0 && level.price > 0);
  const book = levels.length > 0 ? levels : [{ price: market.lastPrice, quantity: Number.POSITIVE_INFINITY }];
  const within = (price: number) => (buy ? price <= limit : price >= limit);
  const takes: Take[] = [];
  for (const level of book) {
    if (remaining === 0 || !within(level.price)) break;
    const quantity = Math.min(remaining, level.quantity);
    takes.push({ quantity, price: level.price });
    remaining -= quantity;
  }
  const last = book[book.length - 1]!;
  if (hidden && remaining > 0 && within(last.price) && takes.length === book.length) takes.push({ quantity: remaining, price: last.price });
  return takes;
}

interface Position {
  exchange: string;
  tradingsymbol: string;
  instrument_token: number;
  product: KiteProduct;
  buyQuantity: number;
  buyValue: number;
  sellQuantity: number;
  sellValue: number;
}

const round2 = (value: number) => Math.round(value * 100) / 100;

/** Kite's position rows from the day's trades; `mark` gives an instrument's last and previous close. */
export function positionRows(trades: readonly KiteTrade[], mark: (exchange: string, tradingsymbol: string) => { last: number; close: number }): Array<Record<string, unknown>> {
  const positions = new Map<string, Position>();
  for (const trade of trades) {
    const key = `${trade.exchange}:${trade.tradingsymbol}:${trade.product}`;
    let position = positions.get(key);
    if (!position) {
      const { exchange, tradingsymbol, instrument_token, product } = trade;
      position = { exchange, tradingsymbol, instrument_token, product, buyQuantity: 0, buyValue: 0, sellQuantity: 0, sellValue: 0 };
      positions.set(key, position);
    }
    if (trade.transaction_type === 'BUY') {
      position.buyQuantity += trade.quantity;
      position.buyValue += trade.quantity * trade.average_price;
    } else {
      position.sellQuantity += trade.quantity;
      position.sellValue += trade.quantity * trade.average_price;
    }
  }
  return [...positions.values()].map((p) => {
    const { last, close } = mark(p.exchange, p.tradingsymbol);
    const quantity = p.buyQuantity - p.sellQuantity;
    const buyPrice = p.buyQuantity > 0 ? p.buyValue / p.buyQuantity : 0;
    const sellPrice = p.sellQuantity > 0 ? p.sellValue / p.sellQuantity : 0;
    const pnl = p.sellValue - p.buyValue + quantity * last;
    const realised = Math.min(p.buyQuantity, p.sellQuantity) * (sellPrice - buyPrice);
    const day = {
      day_buy_quantity: p.buyQuantity,
      day_buy_price: round2(buyPrice),
      day_buy_value: round2(p.buyValue),
      day_sell_quantity: p.sellQuantity,
      day_sell_price: round2(sellPrice),
      day_sell_value: round2(p.sellValue),
    };
    return {
      tradingsymbol: p.tradingsymbol,
      exchange: p.exchange,
      instrument_token: p.instrument_token,
      product: p.product,
      quantity,
      overnight_quantity: 0,
      multiplier: 1,
      average_price: round2(quantity > 0 ? buyPrice : quantity < 0 ? sellPrice : 0),
      close_price: close,
      last_price: last,
      value: round2(p.sellValue - p.buyValue),
      pnl: round2(pnl),
      m2m: round2(pnl),
      unrealised: round2(pnl - realised),
      realised: round2(realised),
      buy_quantity: p.buyQuantity,
      buy_price: round2(buyPrice),
      buy_value: round2(p.buyValue),
      buy_m2m: round2(p.buyValue),
      sell_quantity: p.sellQuantity,
      sell_price: round2(sellPrice),
      sell_value: round2(p.sellValue),
      sell_m2m: round2(p.sellValue),
      ...day,
    };
  });
}

/** Kite's funds of one segment; `blocked` is the margin held for positions and open orders. */
export function segmentMargins(enabled: boolean, blocked: number, realised: number, unrealised: number): Record<string, unknown> {
  const cash = enabled ? OPENING_CASH : 0;
  const net = round2(cash - blocked + realised + unrealised);
  return {
    enabled,
    net,
    available: { adhoc_margin: 0, cash, opening_balance: cash, live_balance: net, collateral: 0, intraday_payin: 0 },
    utilised: {
      debits: round2(blocked),
      exposure: 0,
      m2m_realised: round2(realised),
      m2m_unrealised: round2(unrealised),
      option_premium: 0,
      payout: 0,
      span: round2(blocked),
      holding_sales: 0,
      turnover: 0,
      liquid_collateral: 0,
      stock_collateral: 0,
      delivery: 0,
    },
  };
}
