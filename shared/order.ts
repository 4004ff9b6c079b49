/**
 * Orders as the risk manager and the brokers see them: what an algo asks for, and the order as
 * it goes through its lifecycle (pending → open → partially filled → filled / cancelled /
 * rejected).
 */

export const ORDER_SIDES = ['BUY', 'SELL'] as const;
export type OrderSide = (typeof ORDER_SIDES)[number];

export const ORDER_TYPES = ['MARKET', 'LIMIT', 'SL', 'SL-M'] as const;
export type OrderType = (typeof ORDER_TYPES)[number];

export const PRODUCTS = ['MIS', 'CNC', 'NRML'] as const;
export type Product = (typeof PRODUCTS)[number];

export const ORDER_STATES = ['pending', 'open', 'partially_filled', 'filled', 'cancelled', 'rejected'] as const;
export type OrderState = (typeof ORDER_STATES)[number];

/** What an algo (or the order ticket) asks for. */
export interface OrderRequest {
  algo: string;
  instrument: string;
  side: OrderSide;
  quantity: number;
  type: OrderType;
  /** The limit price (LIMIT, SL). */
  price?: number;
  /** The trigger price (SL, SL-M). */
  trigger?: number;
  /** Where the algo's stop is, for money at risk (not an order the broker sees). */
  stopLoss?: number;
  product?: Product;
  /** Makes a resent order the same order: never placed twice. */
  clientOrderId?: string;
}

/** +1 for a buy, −1 for a sell: the sign of the position change. */
export function sideSign(side: OrderSide): 1 | -1 {
  return side === 'BUY' ? 1 : -1;
}
